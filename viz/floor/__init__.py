"""The trading floor's server and pages (`selloff classroom`): the JSON API students' pages and
scripts use, the student page and the instructor's, every asset served by the server itself.

``viz.floor.server`` is the HTTP side; the world and its session are scenarios.floor's.
`start` runs a server on a thread (tests, benchmarks); `serve` runs one in the foreground until
SIGTERM or Ctrl-C, then stops it, the session's world thread and its debrief process.
"""

from __future__ import annotations

import signal
import threading

from .server import FloorServer, check_code, make_server, new_admin_code, new_code

__all__ = ["start", "serve", "FloorServer", "new_code", "new_admin_code", "check_code",
           "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether `host` (an IP address) only answers this machine."""
    import ipaddress

    return ipaddress.ip_address(host).is_loopback


def start(session, host: str = "127.0.0.1", port: int = 0, code: str | None = None,
          admin_code: str | None = None) -> tuple[FloorServer, threading.Thread]:
    """Serve `session` on host:port (0: any free port) from a daemon thread; return the
    server (its `server_address` holds the port) and the thread. Stop with
    `server.shutdown(); server.server_close()`."""
    srv = make_server(session, host, port, code or new_code(), admin_code or new_admin_code())
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                          name="selloff-floor-http", daemon=True)
    th.start()
    return srv, th


def serve(session, host: str, port: int, code: str, admin_code: str, announce=print) -> int:
    """Serve until SIGTERM or Ctrl-C; then stop the server, the session's world thread and its
    debrief process, and write the session's files. Return 0."""
    srv, th = start(session, host, port, code, admin_code)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        announce(srv)
        while not stop.wait(0.5):
            pass
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        srv.shutdown()
        srv.server_close()
        session.close()
        th.join(10)
    return 0
