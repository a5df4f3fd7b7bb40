"""The pure-torch NMS fallback for torchvision's compiled operators (docs/design/ml-service.md)."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tools import requires

torch = requires("torch")

from framewise_ml.compat.torchvision_nms import TorchvisionOps, import_torchvision, nms  # noqa: E402

pytestmark = pytest.mark.ml


def reference_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Greedy NMS written out plainly: the definition torchvision's kernel implements."""
    order = list(np.argsort(-scores, kind="stable"))
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        survivors = []
        for other in order:
            x1, y1 = max(boxes[best, 0], boxes[other, 0]), max(boxes[best, 1], boxes[other, 1])
            x2, y2 = min(boxes[best, 2], boxes[other, 2]), min(boxes[best, 3], boxes[other, 3])
            inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
            area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
            iou = inter / (area(boxes[best]) + area(boxes[other]) - inter)
            if not iou > threshold:
                survivors.append(other)
        order = survivors
    return keep


boxes_strategy = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(
            st.tuples(
                st.floats(0, 200, width=32),
                st.floats(0, 200, width=32),
                st.floats(1, 80, width=32),
                st.floats(1, 80, width=32),
            ),
            min_size=n,
            max_size=n,
        ),
        st.lists(st.floats(0, 1, width=32), min_size=n, max_size=n, unique=True),
    )
)


@settings(max_examples=200, deadline=None)
@given(data=boxes_strategy, threshold=st.floats(0.05, 0.95))
def test_fallback_nms_keeps_exactly_what_greedy_nms_keeps(data: tuple[list, list], threshold: float) -> None:
    corners, scores = data
    boxes = np.array([(x, y, x + w, y + h) for x, y, w, h in corners], dtype=np.float32).reshape(-1, 4)
    score_array = np.array(scores, dtype=np.float32)
    kept = nms(torch.from_numpy(boxes), torch.from_numpy(score_array), threshold)
    assert kept.dtype == torch.int64
    assert kept.tolist() == reference_nms(boxes, score_array, threshold)


def test_torchvision_imports_and_its_nms_runs_through_the_fallback_here() -> None:
    torchvision, ops = import_torchvision()
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7])
    assert torchvision.ops.nms(boxes, scores, 0.5).tolist() == [0, 2]
    assert torchvision.ops.batched_nms(boxes, scores, torch.tensor([0, 1, 0]), 0.5).tolist() == [0, 1, 2]
    # On these machines torch is a CPU build and torchvision a CUDA one: the fallback must be in use.
    if not torch.cuda.is_available():
        assert ops is TorchvisionOps.FALLBACK


def test_the_fallback_does_nothing_when_the_compiled_operators_load() -> None:
    """Pretend the extension loaded: no operator may be registered, so here the import still fails
    exactly as plain torchvision would, proving the shim stayed out of the way."""
    code = (
        "import framewise_ml.compat.torchvision_nms as shim\n"
        "shim._compiled_ops_load = lambda: True\n"
        "try:\n"
        "    shim.import_torchvision()\n"
        "except RuntimeError as exc:\n"
        "    print('untouched:', exc)\n"
        "else:\n"
        "    print('imported')\n"
        "print('registered:', shim._library is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "registered: False" in out
    compiled_available = "imported" in out
    if not compiled_available:
        assert "torchvision::nms does not exist" in out
