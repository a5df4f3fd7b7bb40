"""`python -m framewise_dev.store_guard PARENT_PID DATA_DIR`: wait for the process PARENT_PID to die,
then stop the embedded PostgreSQL and Valkey of DATA_DIR.

`make run` starts this beside its embedded stores: it stops them itself when it exits, but a `make run`
killed by SIGKILL cannot, and PostgreSQL (a daemon) and Valkey would go on holding the data folder.
Linux tells this guard of its parent's death (PR_SET_PDEATHSIG), however it died.
"""

import argparse
import signal
from pathlib import Path

from framewise_dev.stores import stop_postgres_of, stop_valkey_of
from framewise_dev.tether import tie_to_parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="framewise-store-guard", allow_abbrev=False, description=__doc__)
    parser.add_argument("parent", type=int)
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the supervisor
    # Blocked before the parent-death signal is asked for, so that it waits for sigwait below.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    if tie_to_parent(args.parent, signal.SIGTERM):
        signal.sigwait({signal.SIGTERM})
    stop_valkey_of(args.data_dir / "valkey")
    stop_postgres_of(args.data_dir / "postgres")


if __name__ == "__main__":
    main()
