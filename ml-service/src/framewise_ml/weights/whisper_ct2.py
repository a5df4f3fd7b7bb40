"""Turn Whisper weights in CTranslate2 format (faster-whisper's `model.bin`) into an openai-whisper checkpoint.

The CTranslate2 `model.bin` format (binary version 4 to 6), all integers little-endian::

    uint32  binary_version
    string  spec_name                      "WhisperSpec"
    uint32  spec_revision
    uint32  n_variables
    n_variables x:
        string  name                       "encoder/layer_0/self_attention/linear_0/weight"
        uint8   rank
        uint32  shape[rank]
        uint8   dtype_id                   0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16
        uint32  n_bytes
        bytes   data[n_bytes]              C order
    uint32  n_aliases
    n_aliases x: string alias, string target_name

    string = uint16 length (counting the trailing NUL), UTF-8 bytes, NUL

A quantised weight `W` comes with `W_scale`: int8 rows were multiplied by a per-row scale, int16 by one scalar,
so the float value is `W / W_scale`.

CTranslate2's Whisper converter (`WhisperLoader` in `ctranslate2/converters/transformers.py`) lays the
Hugging Face model out as below; this module inverts that into openai-whisper's state-dict names:

* `encoder/conv{1,2}` -> `encoder.conv{1,2}`; `{encoder,decoder}/position_encodings/encodings` ->
  `{encoder,decoder}.positional_embedding` (the encoder's is the sinusoidal buffer openai-whisper saves too);
* `*/self_attention/linear_0` is query, key and value fused along the output axis, `linear_1` the output;
* `decoder/layer_N/attention` is the cross-attention: `linear_0` query, `linear_1` key and value fused,
  `linear_2` the output;
* the key projection has no bias in Whisper: CTranslate2 stores zeros, which are dropped (a key bias cannot change
  attention anyway: it adds the same `q . b` to every key's score);
* `*/layer_norm/{gamma,beta}` -> `*_ln.{weight,bias}` (`ln_post` and `ln` for the final norms);
  `ffn/linear_{0,1}` -> `mlp.{0,2}`;
* `decoder/projection/weight` is an alias of the token embedding: openai-whisper ties them, so it is not saved.

The checkpoint is what `whisper.load_model(path)` reads: `{"dims": {...}, "model_state_dict": {...}}`.
"""

import argparse
import re
import struct
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SUPPORTED_BINARY_VERSIONS = range(4, 7)
_DTYPES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}
_LAYER = re.compile(r"^(encoder|decoder)/layer_(\d+)/")
_PART = re.compile(r"^model\.bin\.part(\d+)$")

Source = str | Path | Sequence[str | Path]


class Ct2FormatError(ValueError):
    """The file is not a (complete) CTranslate2 Whisper model this converter understands."""


@dataclass(frozen=True)
class Ct2Model:
    """The contents of a `model.bin`: aliases resolve to the same array as their target."""

    binary_version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray]


class _Reader:
    """Sequential little-endian reads that fail with `Ct2FormatError` instead of running off the end."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise Ct2FormatError(
                f"truncated CTranslate2 model: {n} bytes needed at offset {self.pos}, only {len(self.data)} in all"
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint(self, fmt: str) -> int:
        value: int = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def string(self) -> str:
        raw = bytes(self.take(self.uint("<H")))
        if not raw.endswith(b"\0"):
            raise Ct2FormatError(f"corrupt CTranslate2 model: unterminated string before offset {self.pos}")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Ct2FormatError(f"corrupt CTranslate2 model: bad string before offset {self.pos}") from exc

    def array(self) -> tuple[str, np.ndarray]:
        name = self.string()
        shape = tuple(self.uint("<I") for _ in range(self.uint("<B")))
        dtype_id = self.uint("<B")
        if dtype_id not in _DTYPES:
            raise Ct2FormatError(f"variable {name!r} has unknown dtype id {dtype_id}")
        n_bytes = self.uint("<I")
        raw = self.take(n_bytes)
        dtype = _DTYPES[dtype_id]
        if dtype == "bfloat16":  # the upper half of a float32
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != int(np.prod(shape)):
            raise Ct2FormatError(f"variable {name!r}: {n_bytes} bytes do not hold a {dtype} array of shape {shape}")
        return name, array.reshape(shape)


def model_bin_paths(source: Source) -> list[Path]:
    """The file(s) whose concatenation is `model.bin`: a file, a list of parts in order, or a directory.

    A directory holds `model.bin` or `model.bin.part1`, `model.bin.part2`, ... (taken in numeric order).
    """
    if not isinstance(source, str | Path):
        return [Path(p) for p in source]
    path = Path(source)
    if not path.is_dir():
        return [path]
    if (path / "model.bin").is_file():
        return [path / "model.bin"]
    parts = {int(m.group(1)): p for p in path.iterdir() if (m := _PART.match(p.name))}
    if not parts:
        raise FileNotFoundError(f"no model.bin or model.bin.partN in {path}")
    return [parts[i] for i in sorted(parts)]


def read_ct2_model(source: Source) -> Ct2Model:
    """Parse a CTranslate2 `model.bin` (see `model_bin_paths` for `source`) into numpy arrays."""
    reader = _Reader(b"".join(p.read_bytes() for p in model_bin_paths(source)))
    version = reader.uint("<I")
    if version not in SUPPORTED_BINARY_VERSIONS:
        raise Ct2FormatError(f"not a supported CTranslate2 model: binary version {version}")
    spec = reader.string()
    revision = reader.uint("<I")
    variables = dict(reader.array() for _ in range(reader.uint("<I")))
    for _ in range(reader.uint("<I")):
        alias, target = reader.string(), reader.string()
        if target not in variables:
            raise Ct2FormatError(f"alias {alias!r} points at unknown variable {target!r}")
        variables[alias] = variables[target]
    if reader.pos != len(reader.data):
        raise Ct2FormatError(f"{len(reader.data) - reader.pos} unexpected bytes after the model (parts out of order?)")
    return Ct2Model(version, spec, revision, variables)


def dequantize(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float32 arrays for every quantised weight (`W / W_scale`), without the `*_scale` entries."""
    out = {n: v for n, v in variables.items() if not (n.endswith("_scale") and n.removesuffix("_scale") in variables)}
    for name, value in out.items():
        scale = variables.get(f"{name}_scale")
        if scale is not None:
            scale = scale.astype(np.float32)
            out[name] = value.astype(np.float32) / scale.reshape(scale.shape + (1,) * (value.ndim - scale.ndim))
    return out


class _Weights:
    """Looks up CTranslate2 variables by name and remembers which ones the mapping used."""

    def __init__(self, variables: dict[str, np.ndarray]) -> None:
        self.variables = variables
        self.used: set[str] = set()

    def __call__(self, name: str) -> np.ndarray:
        if name not in self.variables:
            raise Ct2FormatError(f"not a CTranslate2 Whisper model: variable {name!r} is missing")
        self.used.add(name)
        return self.variables[name]

    def layers(self, stack: str) -> int:
        return len({m.group(2) for name in self.variables if (m := _LAYER.match(name)) and m.group(1) == stack})

    def unused(self) -> list[str]:
        """Weight tensors the mapping did not place: a layout this converter does not know."""
        tied = {"decoder/projection/weight"}
        return sorted(n for n, v in self.variables.items() if v.ndim > 0 and n not in self.used | tied)


def _norm(w: _Weights, src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": w(f"{src}/gamma"), f"{dst}.bias": w(f"{src}/beta")}


def _linear(w: _Weights, src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": w(f"{src}/weight"), f"{dst}.bias": w(f"{src}/bias")}


def _attention(w: _Weights, src: str, dst: str, *, cross: bool) -> dict[str, np.ndarray]:
    """`dst.{query,key,value,out}` and `dst_ln` from a fused self-attention or a cross-attention."""
    if cross:
        weights = [w(f"{src}/linear_0/weight"), *np.split(w(f"{src}/linear_1/weight"), 2)]
        biases = [w(f"{src}/linear_0/bias"), *np.split(w(f"{src}/linear_1/bias"), 2)]
        out = f"{src}/linear_2"
    else:
        weights = np.split(w(f"{src}/linear_0/weight"), 3)
        biases = np.split(w(f"{src}/linear_0/bias"), 3)
        out = f"{src}/linear_1"
    state = {}
    for proj, weight, bias in zip(("query", "key", "value"), weights, biases, strict=True):
        state[f"{dst}.{proj}.weight"] = weight
        if proj != "key":
            state[f"{dst}.{proj}.bias"] = bias
    return state | _linear(w, out, f"{dst}.out") | _norm(w, f"{src}/layer_norm", f"{dst}_ln")


def _block(w: _Weights, src: str, dst: str, *, cross: bool) -> dict[str, np.ndarray]:
    state = _attention(w, f"{src}/self_attention", f"{dst}.attn", cross=False)
    if cross:
        state |= _attention(w, f"{src}/attention", f"{dst}.cross_attn", cross=True)
    return (
        state
        | _linear(w, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        | _linear(w, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
        | _norm(w, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    )


def whisper_state_dict(model: Ct2Model) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """openai-whisper's `ModelDimensions` fields and state dict (numpy arrays) for a CTranslate2 Whisper model."""
    if model.spec != "WhisperSpec":
        raise Ct2FormatError(f"not a Whisper model: CTranslate2 spec {model.spec!r}")
    w = _Weights(dequantize(model.variables))
    n_audio_layer, n_text_layer = w.layers("encoder"), w.layers("decoder")
    state = {
        **_linear(w, "encoder/conv1", "encoder.conv1"),
        **_linear(w, "encoder/conv2", "encoder.conv2"),
        "encoder.positional_embedding": w("encoder/position_encodings/encodings"),
        **_norm(w, "encoder/layer_norm", "encoder.ln_post"),
        "decoder.token_embedding.weight": w("decoder/embeddings/weight"),
        "decoder.positional_embedding": w("decoder/position_encodings/encodings"),
        **_norm(w, "decoder/layer_norm", "decoder.ln"),
    }
    for i in range(n_audio_layer):
        state |= _block(w, f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    for i in range(n_text_layer):
        state |= _block(w, f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    if unused := w.unused():
        raise Ct2FormatError(f"unsupported CTranslate2 Whisper layout: unmapped variables {unused[:5]}")

    conv1 = state["encoder.conv1.weight"]
    dims = {
        "n_mels": conv1.shape[1],
        "n_audio_ctx": state["encoder.positional_embedding"].shape[0],
        "n_audio_state": conv1.shape[0],
        "n_audio_head": w("encoder/num_heads").item(),
        "n_audio_layer": n_audio_layer,
        "n_vocab": state["decoder.token_embedding.weight"].shape[0],
        "n_text_ctx": state["decoder.positional_embedding"].shape[0],
        "n_text_state": state["decoder.token_embedding.weight"].shape[1],
        "n_text_head": w("decoder/num_heads").item(),
        "n_text_layer": n_text_layer,
    }
    return {k: int(v) for k, v in dims.items()}, state


def convert_ct2_to_whisper(source: Source, out_path: str | Path, *, half: bool = True) -> dict[str, int]:
    """Write `out_path`, a checkpoint `whisper.load_model(out_path)` loads, and return its `dims`.

    `source` is a model directory, a `model.bin`, or the parts of a split `model.bin` in order. Weights are saved
    as float16 like OpenAI's own checkpoints (`half=False` for float32); whisper loads either into float32 modules.
    """
    import torch

    dims, state = whisper_state_dict(read_ct2_model(source))
    dtype = np.float16 if half else np.float32
    tensors = {name: torch.from_numpy(array.astype(dtype)) for name, array in state.items()}
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    torch.save({"dims": dims, "model_state_dict": tensors}, tmp)
    tmp.replace(out)
    return dims


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m framewise_ml.weights.whisper_ct2 SRC [SRC ...] OUT.pt`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("sources", nargs="+", type=Path, help="model directory, model.bin, or its parts in order")
    parser.add_argument("out", type=Path, help="checkpoint to write (.pt)")
    parser.add_argument("--float32", action="store_true", help="save float32 instead of float16 weights")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    source = args.sources[0] if len(args.sources) == 1 else args.sources
    try:
        dims = convert_ct2_to_whisper(source, args.out, half=not args.float32)
    except (Ct2FormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f}s: {dims}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
