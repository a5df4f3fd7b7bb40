"""Which pool a worker joins: GPU_MODE, or in `auto` whether `nvidia-smi -L` lists a GPU (the worker
imports no ML library to find out)."""

import shutil
import subprocess

import structlog

from framewise.domain.routing import DeviceClass

log = structlog.get_logger("framewise.worker")


def detect_gpu() -> tuple[bool, str]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return False, "nvidia-smi not found"
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"nvidia-smi failed: {exc}"
    gpus = [line for line in out.stdout.splitlines() if line.startswith("GPU ")]
    return (bool(gpus), gpus[0] if gpus else "nvidia-smi lists no GPU")


def device_class(gpu_mode: str) -> DeviceClass:
    if gpu_mode == "gpu":
        return DeviceClass.GPU
    if gpu_mode == "cpu":
        return DeviceClass.CPU
    found, detail = detect_gpu()
    log.info("gpu_mode_auto", gpu_found=found, detail=detail)
    return DeviceClass.GPU if found else DeviceClass.CPU
