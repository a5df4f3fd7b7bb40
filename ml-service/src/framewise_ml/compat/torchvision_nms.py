"""A pure-torch `torchvision::nms` for when torchvision's compiled operators cannot load.

The only torchvision for torch 2.13.0 is a CUDA build. With the CPU torch its `_C` extension does
not load, and `import torchvision` then fails on its first use of `torchvision::nms`. ultralytics,
EasyOCR and facenet-pytorch all import torchvision, and only need NMS from its operators. So,
before torchvision is imported, `import_torchvision()` tries to load the compiled extension; if it
loads, nothing else happens. If not, it defines the `torchvision::nms` operator with the greedy
algorithm below (same semantics as torchvision's kernel: boxes sorted by score, a box suppressed
when its IoU with a kept box is strictly above the threshold) and lets torchvision's NMS call it.
"""

import importlib.util
import sys
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import torch

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",  # quantised boxes
}
_library: torch.library.Library | None = None  # kept alive: dropping it unregisters the operator


class TorchvisionOps(StrEnum):
    COMPILED = "compiled"  # torchvision's own C++/CUDA operators
    FALLBACK = "fallback"  # the pure-torch nms from this module


def nms(dets: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices of the boxes kept, highest score first. `dets` is (N, 4) as x1, y1, x2, y2."""
    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=dets.device)
    x1, y1, x2, y2 = dets.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    order = scores.argsort(descending=True, stable=True)
    keep: list[torch.Tensor] = []
    while order.numel() > 0:
        best, rest = order[0], order[1:]
        keep.append(best)
        width = (torch.minimum(x2[best], x2[rest]) - torch.maximum(x1[best], x1[rest])).clamp(min=0)
        height = (torch.minimum(y2[best], y2[rest]) - torch.maximum(y1[best], y1[rest])).clamp(min=0)
        inter = width * height
        iou = inter / (areas[best] + areas[rest] - inter)
        order = rest[~(iou > iou_threshold)]
    return torch.stack(keep).to(torch.int64)


def qnms(dets: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """`nms` for quantised tensors (torchvision declares both; nothing here calls this one)."""
    return nms(dets.dequantize(), scores.dequantize(), iou_threshold)


def _compiled_ops_load() -> bool:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("torchvision is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    for library in sorted(folder.glob("_C*.so")) + sorted(folder.glob("_C*.pyd")):
        try:
            torch.ops.load_library(str(library))
        except (OSError, RuntimeError):
            return False
        return True
    return False


def _register_fallback() -> None:
    global _library  # noqa: PLW0603 - one process-wide operator registration
    if _library is not None:
        return
    _library = torch.library.Library("torchvision", "DEF")  # lives as long as the process
    for schema in _SCHEMAS.values():
        _library.define(schema)
    _library.impl("nms", nms, "CompositeExplicitAutograd")
    _library.impl("qnms", qnms, "CompositeExplicitAutograd")


def import_torchvision() -> tuple[ModuleType, TorchvisionOps]:
    """torchvision, imported with working NMS, and which operators serve it."""
    if "torchvision" in sys.modules:
        import torchvision

        return torchvision, TorchvisionOps.FALLBACK if _library is not None else TorchvisionOps.COMPILED
    if _compiled_ops_load():
        import torchvision

        return torchvision, TorchvisionOps.COMPILED
    _register_fallback()
    import torchvision
    import torchvision.ops.boxes

    # torchvision checks for its extension before calling the operator; the operator exists now.
    torchvision.ops.boxes._assert_has_ops = lambda: None
    return torchvision, TorchvisionOps.FALLBACK
