"""Real photographs of people for the face tests, and short videos that show them.

The `face_recognition` 1.3.0 sdist on PyPI (MIT licence) carries photographs in tests/test_images:
three of Barack Obama (`obama`, `obama2`, `obama3`), two of him with half the face out of the
picture (`obama_partial_face`, `obama_partial_face2`) and one of Joe Biden (`biden`). `fetch` downloads
that sdist with pip (nothing else of it is used), checks its SHA-256 and keeps only those JPEGs, in
`.cache/test-photos/` (ignored by git); `make install` runs it, and a second run does nothing.
scikit-image's astronaut (`framewise_dev.media.photograph("astronaut")`) is a third person.

    python -m framewise_dev.photos [folder]
"""

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageEnhance

SDIST = "face_recognition==1.3.0"
SDIST_FILE = "face_recognition-1.3.0.tar.gz"
SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
IN_SDIST = "face_recognition-1.3.0/tests/test_images/"
NAMES = ("biden", "obama", "obama2", "obama3", "obama_partial_face", "obama_partial_face2")
FOLDER = Path(__file__).resolve().parents[3] / ".cache" / "test-photos"
HOW = "run `make install` (it runs `.venv/bin/python -m framewise_dev.photos`)"


class MissingPhotos(FileNotFoundError):
    """The photographs are not in the cache folder: `make install` puts them there."""


def _present(folder: Path) -> bool:
    return all((folder / f"{name}.jpg").is_file() for name in NAMES)


def fetch(folder: Path = FOLDER) -> bool:
    """Put the photographs in `folder`; False when they were there already. Raises ValueError when
    the sdist pip brings is not the one expected (its SHA-256)."""
    if _present(folder):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        download = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*download, "--dest", tmp, SDIST], check=True)
        sdist = Path(tmp) / SDIST_FILE
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise ValueError(f"{SDIST_FILE} has SHA-256 {digest}, not the expected {SDIST_SHA256}")
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix(IN_SDIST)
                if member.isfile() and member.name.startswith(IN_SDIST) and name.removesuffix(".jpg") in NAMES:
                    source = archive.extractfile(member)
                    assert source is not None  # a regular file
                    partial = folder / f".{name}.partial"  # by its bare name: nothing lands elsewhere
                    partial.write_bytes(source.read())
                    partial.replace(folder / name)
    if not _present(folder):
        raise ValueError(f"{SDIST_FILE} lacks some of {', '.join(NAMES)}")
    return True


def photo_path(name: str, folder: Path = FOLDER) -> Path:
    """The photograph `name` (one of NAMES), or MissingPhotos saying how to get it."""
    if name not in NAMES:
        raise ValueError(f"no test photograph {name!r}: there are {', '.join(NAMES)}")
    path = folder / f"{name}.jpg"
    if not path.is_file():
        raise MissingPhotos(f"test photograph {path} is missing: {HOW}")
    return path


def photo(name: str, folder: Path = FOLDER) -> Image.Image:
    """The photograph `name` as RGB."""
    return Image.open(photo_path(name, folder)).convert("RGB")


@dataclass(frozen=True)
class Framing:
    """How a video shows a photograph: the part of it shown (`crop`, x1, y1, x2, y2 in the
    photograph's pixels; None: all of it), fitted whole into frames of `size` (the rest dark grey),
    `brightness` (1: as it is), and the encoder's `crf` (20: good; 40 and more: heavy compression)."""

    crop: tuple[int, int, int, int] | None = None
    size: tuple[int, int] = (320, 240)
    brightness: float = 1.0
    crf: int = 20
    seconds: float = 2.0
    fps: int = 5


def framed(picture: Image.Image, framing: Framing) -> Image.Image:
    """The frame the video shows: the crop scaled to fit, centred, brightness applied."""
    part = picture.crop(framing.crop) if framing.crop else picture
    width, height = framing.size
    scale = min(width / part.width, height / part.height)
    part = part.resize((round(part.width * scale), round(part.height * scale)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", framing.size, (40, 40, 40))
    frame.paste(part, ((width - part.width) // 2, (height - part.height) // 2))
    return ImageEnhance.Brightness(frame).enhance(framing.brightness) if framing.brightness != 1.0 else frame


def make_photo_video(path: Path, picture: Image.Image, framing: Framing = Framing()) -> Path:
    """A still H.264 video of `picture` as `framing` shows it (PyAV, no system ffmpeg)."""
    image = np.asarray(framed(picture, framing))
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=framing.fps)
        stream.width, stream.height, stream.pix_fmt = *framing.size, "yuv420p"
        # One encoder thread: the same bytes on any machine, whatever its cores.
        stream.options = {"preset": "veryfast", "crf": str(framing.crf), "g": str(framing.fps), "threads": "1"}
        for index in range(round(framing.seconds * framing.fps)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="framewise_dev.photos", description="Fetch the test photographs of people.")
    parser.add_argument("folder", nargs="?", type=Path, default=FOLDER, help=f"default: {FOLDER}")
    folder = parser.parse_args(argv).folder
    fetched = fetch(folder)
    print(f"test photographs in {folder}: {'fetched' if fetched else 'already there'} ({', '.join(NAMES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
