"""Word timestamps on a GPU without Triton.

openai-whisper aligns words with a DTW and a median filter, and on CUDA tensors it imports its
Triton kernels for them. It falls back to CPU code when a kernel fails to launch, but not when
Triton is missing altogether (the ImportError escapes), and Triton is not installed with
`--no-deps`. `use_cpu_alignment_without_triton()` routes both through whisper's own CPU code then;
it does nothing when Triton is importable.
"""

import importlib.util
from typing import Any


def use_cpu_alignment_without_triton() -> bool:
    """True when it had to switch whisper's alignment to its CPU implementations."""
    if importlib.util.find_spec("triton") is not None:
        return False
    from whisper import timing

    def dtw(x: Any) -> Any:
        return timing.dtw_cpu(x.double().cpu().numpy())

    median_filter = timing.median_filter

    def median_filter_without_triton(x: Any, filter_width: int) -> Any:
        return median_filter(x.cpu(), filter_width).to(x.device)

    timing.dtw = dtw
    timing.median_filter = median_filter_without_triton
    return True
