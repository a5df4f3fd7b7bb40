"""`framewise_dev.tether`: a service started through it dies with the process that started it, even
when that process is killed by SIGKILL (Linux's parent-death signal)."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.e2e.waits import wait_until

pytestmark = pytest.mark.unit


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def written(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def test_a_tethered_command_dies_when_its_parent_is_sigkilled(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent_code = textwrap.dedent(f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-m", "framewise_dev.tether", str(os.getpid()), "--",
                                  "sleep", "600"], start_new_session=True)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        child_pid = int(wait_until(lambda: written(pid_file), timeout=30, message="the child started"))
        wait_until(
            lambda: Path(f"/proc/{child_pid}/cmdline").read_bytes().startswith(b"sleep"),
            timeout=30,
            message="the tether became the command",
        )
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(30)
        wait_until(lambda: not alive(child_pid), timeout=30, message="the child gone with its parent")
    finally:
        parent.kill()
        parent.wait()


def test_the_tether_refuses_to_run_an_orphan() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "framewise_dev.tether", "1", "--", "true"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "gone before the service started" in done.stderr
