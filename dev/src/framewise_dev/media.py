"""Generated test and sample media: an H.264 mp4 with hard cuts at known frames, rendered text per
segment, a moving shape, and (when espeak-ng is installed) spoken words on an AAC track.

Everything is encoded with PyAV, whose wheel bundles FFmpeg with libx264 and AAC, so no system
ffmpeg is needed.
"""

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont


@dataclass(frozen=True)
class Segment:
    seconds: float
    color: tuple[int, int, int]  # RGB background
    text: str = ""


@dataclass
class SampleVideo:
    path: Path
    fps: int
    width: int
    height: int
    segments: list[Segment]
    speech: str | None
    frame_count: int = 0
    cut_frames: list[int] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        return round(self.frame_count * 1000 / self.fps)

    def cut_ms(self) -> list[int]:
        return [round(f * 1000 / self.fps) for f in self.cut_frames]


# Hard cuts: a luminance change, a hue-only change (orange -> teal at equal value and saturation
# in HSV), then a change to dark grey.
DEFAULT_SEGMENTS = [
    Segment(2.0, (20, 30, 120), "FRAMEWISE"),
    Segment(2.0, (200, 120, 40), "SCENE TWO"),
    Segment(2.0, (40, 200, 160), "HUE ONLY"),
    Segment(2.0, (60, 60, 60), "THE END"),
]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for candidate in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _frame(segment: Segment, index: int, width: int, height: int) -> np.ndarray:
    image = Image.new("RGB", (width, height), segment.color)
    draw = ImageDraw.Draw(image)
    side = height // 8
    x = (index * 4) % max(1, width - side)
    draw.rectangle((x, height - 2 * side, x + side, height - side), fill=(235, 235, 235))
    if segment.text:
        font = _font(max(12, height // 8))
        box = draw.textbbox((0, 0), segment.text, font=font)
        tx = (width - (box[2] - box[0])) // 2
        draw.text((tx, height // 4), segment.text, font=font, fill=(255, 255, 255))
    return np.asarray(image)


def speak(text: str, wav_path: Path) -> bool:
    """Synthesize `text` with espeak-ng into a WAV; False when espeak-ng is not installed."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        return False
    subprocess.run([exe, "-v", "en-us", "-s", "150", "-w", str(wav_path), text], check=True, capture_output=True)
    return True


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as handle:
        rate, width, channels = handle.getframerate(), handle.getsampwidth(), handle.getnchannels()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16 if width == 2 else np.uint8)
    if channels > 1:
        data = data.reshape(-1, channels)[:, 0]
    return data.astype(np.int16), rate


def _encode_audio(
    stream: av.audio.stream.AudioStream,
    container: av.container.OutputContainer,
    samples: np.ndarray,
    rate: int,
    total_s: float,
) -> None:
    padded = np.zeros(int(total_s * rate), dtype=np.int16)
    start = int(0.3 * rate)
    padded[start : start + min(len(samples), len(padded) - start)] = samples[: len(padded) - start]
    chunk = 1024
    for offset in range(0, len(padded), chunk):
        frame = av.AudioFrame.from_ndarray(padded[offset : offset + chunk].reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = offset
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def make_sample_video(
    path: Path,
    *,
    segments: list[Segment] | None = None,
    fps: int = 25,
    width: int = 320,
    height: int = 240,
    speech: str | None = None,
) -> SampleVideo:
    """Write the sample and return what it contains (cut frames, duration, speech)."""
    segments = segments or DEFAULT_SEGMENTS
    sample = SampleVideo(path, fps, width, height, segments, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    total_s = sum(s.seconds for s in segments)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        has_speech = speech is not None and speak(speech, wav)
        partial = path.with_name(f".{path.name}.partial.mp4")
        with av.open(str(partial), "w") as container:
            video = container.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = {"preset": "veryfast", "crf": "20", "g": str(fps)}
            audio = None
            if has_speech:
                samples, rate = _read_wav(wav)
                audio = container.add_stream("aac", rate=rate)
                audio.layout = "mono"
            index = 0
            for number, segment in enumerate(segments):
                if number:
                    sample.cut_frames.append(index)
                for _ in range(round(segment.seconds * fps)):
                    frame = av.VideoFrame.from_ndarray(_frame(segment, index, width, height), format="rgb24")
                    frame.pts = index
                    for packet in video.encode(frame):
                        container.mux(packet)
                    index += 1
            for packet in video.encode(None):
                container.mux(packet)
            if audio is not None:
                _encode_audio(audio, container, samples, rate, total_s)
        partial.replace(path)  # appear atomically: a watcher never sees half a file
    sample.frame_count = index
    sample.speech = speech if has_speech else None
    return sample
