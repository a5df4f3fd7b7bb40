"""Before `make run` starts its services: is each port they will listen on free, and if not, who holds it."""

import socket

import psutil  # type: ignore[import-untyped]  # no stubs in the pinned set


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the services bind: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def port_holder(port: int) -> str:
    """Who listens on TCP `port`, in words: the pid and command line when they can be read."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        connections = []
    for conn in connections:
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            try:
                command = " ".join(psutil.Process(conn.pid).cmdline()) or "?"
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                command = "?"
            return f"pid {conn.pid} ({command})"
    return "a process this user cannot see"


def taken_ports(ports: dict[str, int]) -> list[str]:
    """One line per port of `ports` (setting -> port) that is taken, naming who holds it."""
    return [
        f"port {port} ({setting}) is taken by {port_holder(port)}"
        for setting, port in ports.items()
        if port and not port_is_free(port)
    ]
