"""Generated test and sample media: an H.264 mp4 with hard cuts at known frames, rendered text per
segment, a moving shape, and (when espeak-ng is installed) spoken words on an AAC track.

Everything is encoded with PyAV, whose wheel bundles FFmpeg with libx264 and AAC, so no system
ffmpeg is needed.
"""

import functools
import importlib.util
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


def text_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
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
        font = text_font(max(12, height // 8))
        box = draw.textbbox((0, 0), segment.text, font=font)
        tx = (width - (box[2] - box[0])) // 2
        draw.text((tx, height // 4), segment.text, font=font, fill=(255, 255, 255))
    return np.asarray(image)


def speak(text: str, wav_path: Path, voice: str = "en", pitch: int | None = None) -> bool:
    """Synthesize `text` with espeak-ng (in `voice`, a language and variant such as `en-us+f2`, at
    `pitch` 0-99) into a WAV; False when espeak-ng is not installed."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        return False
    pitched = ["-p", str(pitch)] if pitch is not None else []
    subprocess.run(
        [exe, "-v", voice, *pitched, "-s", "130", "-w", str(wav_path), text], check=True, capture_output=True
    )
    return True


AUDIO_LEAD_S = 0.3  # the audio track starts this late in every generated video
# Voices espeak-ng makes that resemblyzer's encoder tells apart (two sentences of one: cosine 0.8 or
# more; of two of them: 0.72 or less): a man, and two women at different pitches.
VOICES: dict[str, tuple[str, int]] = {"adam": ("en-us", 50), "beth": ("en-us+f2", 60), "dora": ("en-us+f4", 80)}


@dataclass(frozen=True)
class SpokenTurn:
    speaker: str  # a key of VOICES
    text: str
    start_ms: int  # its first and last audible sample, in the video
    end_ms: int


@dataclass
class Conversation:
    video: SampleVideo
    turns: list[SpokenTurn]


def make_conversation_video(path: Path, turns: list[tuple[str, str]], *, gap_s: float = 0.4) -> Conversation:
    """A video of people talking in turns: each (speaker, text) spoken by espeak-ng in the speaker's
    voice (VOICES), `gap_s` of silence between turns; where each turn is audible."""
    pieces: list[np.ndarray] = []
    spoken: list[SpokenTurn] = []
    rate = 0
    with tempfile.TemporaryDirectory() as tmp:
        for number, (speaker, text) in enumerate(turns):
            wav = Path(tmp) / f"{number}.wav"
            voice, pitch = VOICES[speaker]
            if not speak(text, wav, voice, pitch):
                raise RuntimeError("espeak-ng is not installed")
            samples, rate = _read_wav(wav)
            loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 0.01 * 32768)
            at = sum(len(piece) for piece in pieces)
            start, end = (at + int(loud[0]), at + int(loud[-1])) if len(loud) else (at, at)
            lead = AUDIO_LEAD_S * rate
            spoken.append(
                SpokenTurn(speaker, text, round((lead + start) * 1000 / rate), round((lead + end) * 1000 / rate))
            )
            pieces += [samples, np.zeros(int(gap_s * rate), np.int16)]
    sound = np.concatenate(pieces)
    seconds = round(AUDIO_LEAD_S + len(sound) / rate + 0.5, 1)
    still = [Segment(seconds, (40, 40, 48), "", moving_square=False)]
    return Conversation(make_sample_video(path, segments=still, fps=5, sound=(sound, rate)), spoken)


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
    start = int(AUDIO_LEAD_S * rate)
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
    voice: str = "en",
    sound: tuple[np.ndarray, int] | None = None,
) -> SampleVideo:
    """Write the sample and return what it contains (cut frames, duration, speech in `voice`).
    `sound` (int16 samples and their rate) is the audio track instead of `speech`; either starts at
    AUDIO_LEAD_S."""
    segments = segments or DEFAULT_SEGMENTS
    sample = SampleVideo(path, fps, width, height, segments, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    total_s = sum(s.seconds for s in segments)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        has_speech = sound is not None or (speech is not None and speak(speech, wav, voice))
        partial = path.with_name(f".{path.name}.partial.mp4")
        with av.open(str(partial), "w") as container:
            video = container.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = {"preset": "veryfast", "crf": "20", "g": str(fps)}
            audio = None
            if has_speech:
                samples, rate = sound if sound is not None else _read_wav(wav)
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
# pasted at FACE_AT with side FACE_SIDE. FACE_IN_PHOTO is the face's box in the 512x512 original and
# PERSON_IN_PHOTO the person's (hair to the crop's lower edge, the suit's collar ring on the left),
# both measured by hand on the photograph.
PHOTO_CROP = (130, 20, 330, 220)
FACE_AT = (185, 95)
FACE_SIDE = 120
FACE_IN_PHOTO = (180, 60, 270, 175)
PERSON_IN_PHOTO = (132, 21, 302, 220)
SPEECH = "the quick brown fox jumps over the lazy dog"


def _astronaut_in_frame(in_photo: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    """A box measured in the astronaut photograph, where the analysis video shows it."""
    scale = FACE_SIDE / (PHOTO_CROP[2] - PHOTO_CROP[0])
    x1, y1, x2, y2 = (v - PHOTO_CROP[i % 2] for i, v in enumerate(in_photo))
    return (FACE_AT[0] + x1 * scale, FACE_AT[1] + y1 * scale, FACE_AT[0] + x2 * scale, FACE_AT[1] + y2 * scale)


def face_box() -> tuple[float, float, float, float]:
    """Where the face is in the analysis video's frames (x1, y1, x2, y2 in pixels)."""
    return _astronaut_in_frame(FACE_IN_PHOTO)


def paste_face(image: Image.Image, _index: int) -> None:
    from skimage import data  # scikit-image ships the photograph; only the ML tests need it

    photo = Image.fromarray(data.astronaut()).crop(PHOTO_CROP).resize((FACE_SIDE, FACE_SIDE), Image.Resampling.LANCZOS)
    image.paste(photo, FACE_AT)


def photograph(name: str) -> Image.Image:
    """A real photograph that ships inside an installed package (read from disk, nothing downloaded):
    scikit-image's `chelsea` (a cat), `coffee` (a cup) and `astronaut`, scikit-learn's `china` (a
    Chinese palace)."""
    if name == "china":
        spec = importlib.util.find_spec("sklearn")
        if spec is None or spec.origin is None:
            raise FileNotFoundError("scikit-learn is not installed: it ships the china.jpg photograph")
        return Image.open(Path(spec.origin).parent / "datasets" / "images" / "china.jpg").convert("RGB")
    from skimage import data  # scikit-image ships these photographs

    return Image.fromarray(getattr(data, name)()).convert("RGB")


@dataclass(frozen=True)
class Placement:
    """Where a photograph goes in a frame: its box (x1, y1, x2, y2), or the whole frame covered."""

    name: str
    box: tuple[int, int, int, int] | None = None  # None: cover the frame, centre-cropped

    def paint(self, image: Image.Image, _index: int) -> None:
        photo = _photo(self.name, self.box or (0, 0, image.width, image.height), self.box is None)
        image.paste(photo, self.box[:2] if self.box else (0, 0))


@functools.cache
def _photo(name: str, box: tuple[int, int, int, int], cover: bool) -> Image.Image:
    width, height = box[2] - box[0], box[3] - box[1]
    photo = photograph(name)
    if cover:
        scale = max(width / photo.width, height / photo.height)
        size = (max(width, round(photo.width * scale)), max(height, round(photo.height * scale)))
        photo = photo.resize(size, Image.Resampling.LANCZOS)
        left, top = (photo.width - width) // 2, (photo.height - height) // 2
        return photo.crop((left, top, left + width, top + height))
    return photo.resize((width, height), Image.Resampling.LANCZOS)


# The photographs of the analysis video, in its 320x240 frames, under the shot's word. A box keeps
# the photograph's aspect ratio (both are 3:2); the palace covers its whole shot, as a place should.
# *_IN_PHOTO are the objects' boxes in the original photographs, measured by hand on them (the cat's
# head is cut by the picture's top, left and bottom edges; its right ear ends at x = 398).
CAT_BOX = (61, 104, 259, 236)
CUP_BOX = (61, 104, 259, 236)
CAT_IN_PHOTO, CHELSEA_SIZE = (0, 0, 398, 300), (451, 300)  # the cat fills the picture but the background on the right
CUP_IN_PHOTO, COFFEE_SIZE = (170, 15, 415, 295), (600, 400)  # the cup and its handle, not the saucer
PERSON_BOX = _astronaut_in_frame(PERSON_IN_PHOTO)  # the astronaut, head and shoulders, where the video shows her


def box_in_frame(
    placed: tuple[int, int, int, int], size: tuple[int, int], in_photo: tuple[int, int, int, int]
) -> tuple[float, float, float, float]:
    """A box measured in a photograph of `size`, where the photograph is pasted at `placed`."""
    scale_x, scale_y = (placed[2] - placed[0]) / size[0], (placed[3] - placed[1]) / size[1]
    x1, y1, x2, y2 = in_photo
    return (placed[0] + x1 * scale_x, placed[1] + y1 * scale_y, placed[0] + x2 * scale_x, placed[1] + y2 * scale_y)


CAT_SHOT = Segment(2.0, (70, 70, 90), "CAT", moving_square=False, painter=Placement("chelsea", CAT_BOX).paint)
CUP_SHOT = Segment(2.0, (90, 60, 50), "CUP", moving_square=False, painter=Placement("coffee", CUP_BOX).paint)
PALACE_SHOT = Segment(2.0, (0, 0, 0), "", moving_square=False, painter=Placement("china").paint)


def make_analysis_video(path: Path, *, speech: str | None = SPEECH) -> SampleVideo:
    """The video the ML tests and `make run` analyse: seven 2 s shots with hard cuts (one hue-only),
    speech from 0.3 s, and real photographs: a face (the astronaut) in the second shot, a cat, a
    coffee cup and a palace filling the frame in the fourth to sixth. Every shot but the palace has
    a word on it; only the photographs have anything a detector or place classifier knows."""
    segments = [
        DEFAULT_SEGMENTS[0],
        Segment(2.0, (200, 120, 40), "SCENE TWO", moving_square=False, painter=paste_face),
        DEFAULT_SEGMENTS[2],
        CAT_SHOT,
        CUP_SHOT,
        PALACE_SHOT,
        DEFAULT_SEGMENTS[3],
    ]
    return make_sample_video(path, segments=segments, speech=speech)
