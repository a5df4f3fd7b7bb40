"""Scene cuts with PySceneDetect: no weights, CPU only.

Two content detectors run in one pass: the default HSV+luma one, and one that weighs hue alone,
because a cut between two shots of equal brightness and saturation moves only the hue, which the
averaged default score dilutes below its threshold.
"""

import time
from pathlib import Path

import numpy as np
import scenedetect
from pydantic import JsonValue
from scenedetect import ContentDetector, FrameTimecode, SceneManager, open_video

from framewise.contracts.ml import InferenceRequest
from framewise_ml.models.base import BadMedia, InferenceModel, Prediction
from framewise_ml.models.config import Config, config_number

HUE_ONLY = ContentDetector.Components(delta_hue=1.0, delta_sat=0.0, delta_lum=0.0, delta_edges=0.0)


def _ms(frame: int, fps: float) -> int:
    return round(frame * 1000 / fps)


class ScenesModel(InferenceModel):
    name = "scenes"
    producer = "pyscenedetect"
    config_keys = frozenset({"threshold", "hue_threshold", "min_scene_len_frames"})

    @property
    def producer_version(self) -> str:
        return str(scenedetect.__version__)

    def _load(self) -> None:
        ContentDetector()  # the library imports and its detector builds

    def _warm_up(self) -> None:
        detector = ContentDetector()
        frame = np.zeros((36, 64, 3), np.uint8)
        detector.process_frame(FrameTimecode(0, fps=25.0), frame)

    @staticmethod
    def _options(config: Config) -> tuple[float, float, int]:
        return (
            config_number(config, "threshold", 27.0, 1.0, 255.0),
            config_number(config, "hue_threshold", 20.0, 1.0, 255.0),
            int(config_number(config, "min_scene_len_frames", 8, 1, 10_000)),
        )

    def _check(self, config: Config) -> None:
        self._options(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        threshold, hue_threshold, min_len = self._options(request.config)
        started = time.perf_counter()
        try:
            video = open_video(str(path), backend="opencv")
        except Exception as exc:
            raise BadMedia(f"not a readable video: {exc}") from exc
        fps = float(video.frame_rate)
        if not fps > 0:
            raise BadMedia("video has no frame rate")
        manager = SceneManager()
        manager.add_detector(ContentDetector(threshold=threshold, min_scene_len=min_len))
        manager.add_detector(ContentDetector(threshold=hue_threshold, min_scene_len=min_len, weights=HUE_ONLY))
        window_start, window_end = request.start_ms or 0, request.end_ms
        duration_ms = _ms(video.duration.frame_num, fps) if video.duration is not None else None
        if window_start and duration_ms is not None and window_start >= duration_ms:
            return Prediction(items=[], decode_ms=0.0, inference_ms=0.0)  # a window past the end: nothing
        if window_start:
            video.seek(window_start / 1000)
        end = window_end / 1000 if window_end else None
        try:
            frames = manager.detect_scenes(video=video, end_time=end)
        except Exception as exc:
            raise BadMedia(f"video could not be decoded: {exc}") from exc
        if frames == 0:
            if window_start:  # the window starts inside the last frame: no scene starts in it
                return Prediction(items=[], decode_ms=0.0, inference_ms=0.0)
            raise BadMedia("video has no decodable frame")
        elapsed = (time.perf_counter() - started) * 1000
        scenes = manager.get_scene_list(start_in_scene=True)
        items: list[JsonValue] = []
        for start, stop in scenes:
            # Frames are whole: keep each scene inside the window asked for, as the frame analyses do.
            start_ms = max(_ms(start.frame_num, fps), window_start)
            end_ms = _ms(stop.frame_num, fps) if window_end is None else min(_ms(stop.frame_num, fps), window_end)
            if end_ms > start_ms:
                items.append({"scene_index": len(items), "start_ms": start_ms, "end_ms": end_ms})
        # Decoding and detection are interleaved by the library; the pass is reported as inference.
        return Prediction(items=items, decode_ms=0.0, inference_ms=round(elapsed, 2))
