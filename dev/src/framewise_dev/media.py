"""Generated test and sample media: an H.264 mp4 with hard cuts at known frames, rendered text per
segment, a moving shape, and (when espeak-ng is installed) spoken words on an AAC track.

Everything is encoded with PyAV, whose wheel bundles FFmpeg with libx264 and AAC, so no system
ffmpeg is needed.
"""

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

Painter = Callable[[Image.Image, int], None]  # draws onto the frame image, given the frame index


@dataclass(frozen=True)
class Segment:
    seconds: float
    color: tuple[int, int, int]  # RGB background
    text: str = ""
    moving_square: bool = True  # a small light square sliding along the bottom
    painter: Painter | None = None  # anything else to draw (a face, shapes, a picture)


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
    if segment.painter is not None:
        segment.painter(image, index)
    draw = ImageDraw.Draw(image)
    if segment.moving_square:
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
    subprocess.run([exe, "-s", "130", "-w", str(wav_path), text], check=True, capture_output=True)
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


# The face picture of the analysis video: scikit-image's astronaut photograph cropped to PHOTO_CROP,
# pasted at FACE_AT with side FACE_SIDE. FACE_IN_PHOTO is the face's box in the 512x512 original,
# measured by hand.
PHOTO_CROP = (130, 20, 330, 220)
FACE_AT = (185, 95)
FACE_SIDE = 120
FACE_IN_PHOTO = (180, 60, 270, 175)
SPEECH = "the quick brown fox jumps over the lazy dog"


def face_box() -> tuple[float, float, float, float]:
    """Where the face is in the analysis video's frames (x1, y1, x2, y2 in pixels)."""
    scale = FACE_SIDE / (PHOTO_CROP[2] - PHOTO_CROP[0])
    x1, y1, x2, y2 = (v - PHOTO_CROP[i % 2] for i, v in enumerate(FACE_IN_PHOTO))
    return (FACE_AT[0] + x1 * scale, FACE_AT[1] + y1 * scale, FACE_AT[0] + x2 * scale, FACE_AT[1] + y2 * scale)


def paste_face(image: Image.Image, _index: int) -> None:
    from skimage import data  # scikit-image ships the photograph; only the ML tests need it

    photo = Image.fromarray(data.astronaut()).crop(PHOTO_CROP).resize((FACE_SIDE, FACE_SIDE), Image.Resampling.LANCZOS)
    image.paste(photo, FACE_AT)


def make_analysis_video(path: Path, *, speech: str | None = SPEECH) -> SampleVideo:
    """The video the ML tests analyse: four 2 s shots with hard cuts (one hue-only), a word on
    each, a real face in the second shot only, a moving square, and `speech` from 0.3 s."""
    segments = [
        DEFAULT_SEGMENTS[0],
        Segment(2.0, (200, 120, 40), "SCENE TWO", moving_square=False, painter=paste_face),
        DEFAULT_SEGMENTS[2],
        DEFAULT_SEGMENTS[3],
    ]
    return make_sample_video(path, segments=segments, speech=speech)
