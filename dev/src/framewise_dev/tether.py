"""`python -m framewise_dev.tether PARENT_PID [--signal NAME] -- COMMAND...`: become COMMAND, to be sent
SIGKILL (or NAME) by Linux when the process PARENT_PID, which started us, dies, however it dies.

The supervisor of `make run` starts every service through this, so that none outlives it even when it
is SIGKILLed (docs/design/make-run.md). The parent-death signal survives exec; it is set before exec,
and if the parent died before it was set, we exit instead of running as an orphan.
"""

import argparse
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def tie_to_parent(parent: int, signum: int) -> bool:
    """Have Linux send `signum` to this process when its parent dies. Whether `parent` is still our
    parent (if it died before this, no signal will come)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    return os.getppid() == parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="framewise-tether", allow_abbrev=False, description=__doc__)
    parser.add_argument("parent", type=int, help="the pid of the process that started us")
    parser.add_argument("--signal", default="SIGKILL", help="the signal to get when it dies (default SIGKILL)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command line to become")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is needed after --")
    if not tie_to_parent(args.parent, signal.Signals[args.signal]):
        sys.exit(f"tether: parent {args.parent} is gone before the service started")
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
