"""The supervisor's processes: each service in a process group of its own, tied to the supervisor's
life, its output prefixed on the console (as honcho did) and kept in a log file.

Each service is started through `framewise_dev.tether`, which asks Linux to SIGKILL it when the
supervisor dies (even by SIGKILL) and then becomes the service. Its own session keeps a terminal's
Ctrl-C away from it: the supervisor stops the services itself, in order.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO, TextIO

from framewise_dev.supervisor import ServiceSpec

TAIL_LINES = 20


class Console:
    """Lines of every service and of the supervisor, one at a time, `HH:MM:SS name | line`."""

    def __init__(self, out: TextIO, width: int) -> None:
        self._out, self._width, self._lock = out, width, threading.Lock()

    def line(self, name: str, text: str) -> None:
        with self._lock:
            self._out.write(f"{time.strftime('%H:%M:%S')} {name:<{self._width}} | {text}\n")
            self._out.flush()

    def say(self, text: str) -> None:
        with self._lock:
            self._out.write(f"framewise: {text}\n")
            self._out.flush()


class LocalProcess:
    """One started service: its process group, and a thread that copies its output."""

    def __init__(self, spec: ServiceSpec, console: Console) -> None:
        log = Path(spec.log)
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "framewise_dev.tether", str(os.getpid()), "--", *spec.command]
        # Started from the supervisor's main thread only: Linux's parent-death signal follows the thread
        # that forked, so a child started from a thread that ends would be killed with it.
        self._popen = subprocess.Popen(
            command,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        assert self._popen.stdout is not None
        self._reader = threading.Thread(
            target=self._copy, args=(spec.name, self._popen.stdout, log, console), daemon=True
        )
        self._reader.start()
        self._reaped = False

    @property
    def pid(self) -> int:
        return self._popen.pid

    def poll(self) -> int | None:
        status = self._popen.poll()
        if status is not None and not self._reaped:
            self._reaped = True
            self.send(signal.SIGKILL)  # whatever it started and left behind goes with it
        return status

    def send(self, signum: int) -> None:
        try:
            os.killpg(self._popen.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already

    def wait(self, timeout_s: float) -> int | None:
        try:
            self._popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
        return self.poll()

    def tail(self) -> list[str]:
        self._reader.join(timeout=2.0)
        return list(self._tail)

    def _copy(self, name: str, stream: IO[bytes], log: Path, console: Console) -> None:
        with stream, log.open("ab") as kept:
            for raw in stream:
                kept.write(raw)
                kept.flush()
                text = raw.decode(errors="replace").rstrip("\r\n")
                self._tail.append(text)
                console.line(name, text)


class LocalLauncher:
    """Starts each service as a `LocalProcess`."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def start(self, spec: ServiceSpec) -> LocalProcess:
        return LocalProcess(spec, self._console)
