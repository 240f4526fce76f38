"""The classroom dashboard: a Solara page around Mesa models, served on 127.0.0.1 with every
asset local.

``viz.dashboard.state`` (no Solara) steps a run and its twin; ``viz.dashboard.hub`` holds the
server's runs (a class run every page watches, a few own runs, each stepped by one thread, in a
process of its own: ``viz.dashboard.worker``); ``viz.dashboard.app`` is the page; ``serve``
starts it. Importing this package imports neither Solara nor mesa.visualization.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

__all__ = ["serve", "server_command", "asset_dir", "port_free", "AssetsMissing"]


class AssetsMissing(ValueError):
    """The offline assets (the solara-assets package's folder) are not installed."""


def asset_dir() -> Path:
    """Where solara-assets put the JavaScript, CSS and fonts the page needs (share/solara/cdn
    under this environment's prefix)."""
    here = Path(sysconfig.get_paths()["data"]) / "share" / "solara" / "cdn"
    return Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR", here))


def server_command(host: str, port: int) -> tuple[list[str], dict]:
    """The `solara run` command line and environment that serve the page offline."""
    cdn = asset_dir()
    if not (cdn / "@widgetti").is_dir() or not (cdn / "requirejs@2.3.6").is_dir():
        raise AssetsMissing(f"dashboard: offline assets missing in {cdn}; install the dashboard "
                            "extra (pip install 'selloff[dashboard]')")
    env = dict(os.environ)
    env.update({
        # a page whose browser went away without closing it (killed, asleep, offline) lets
        # its session go after this, not after Solara's default of a day: its runs are freed
        "SOLARA_KERNEL_CULL_TIMEOUT": os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", "30s"),
        # two malloc arenas, not eight per core: freed runs go back to the system
        "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cdn),
        "SOLARA_ASSETS_PROXY": "true",  # serve the cache ourselves (never the CDN's address)
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_TELEMETRY_SERVER_FINGERPRINT_ENABLE": "false",
    })
    cmd = [sys.executable, "-m", "solara", "run", "viz.dashboard.app", "--host", host,
           "--port", str(port), "--production", "--no-open", "--no-check-version"]
    return cmd, env


def port_free(host: str, port: int) -> bool:
    """Whether `port` on `host` can be bound now by a server (which, as uvicorn does, sets
    SO_REUSEADDR: a port whose last connections are in TIME_WAIT, just after a server on it
    stopped, is free; one another server listens on is not)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """In the server's process: be sent SIGTERM when `selloff dashboard` dies, even by
    SIGKILL (Linux prctl PR_SET_PDEATHSIG), so no server outlives its command."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's handlers still stop it
        pass


def serve(scenario: str = "deepseek", host: str = "127.0.0.1", port: int = 8765,
          query: str | None = None) -> int:
    """Run the dashboard server in the foreground until interrupted; return its exit code.

    Prints the lecturer's link (it carries the code that drives the class run:
    $SELLOFF_DASHBOARD_CODE, or a new one) and the students' link. Ctrl-C, SIGTERM and SIGHUP
    stop the server's whole process group (the `solara run` process and anything it started)
    and wait for it; a server that does not stop in STOP_S seconds is killed.
    """
    cmd, env = server_command(host, port)
    code = os.environ.get("SELLOFF_DASHBOARD_CODE") or secrets.token_hex(3)
    env["SELLOFF_DASHBOARD_SCENARIO"] = scenario
    env["SELLOFF_DASHBOARD_CODE"] = code
    env.setdefault("SELLOFF_DASHBOARD_PROCESSES", "1")  # each run in a process of its own
    q = query or f"scenario={scenario}"
    print(f"selloff dashboard: http://{host}:{port}/?{q}&lecturer={code}  (the lecturer's "
          "link: it drives the class run; Ctrl-C stops the server)", flush=True)
    print(f"students' link: http://{host}:{port}/?{q}  (watch the class run, or step a run "
          "of their own)", flush=True)
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            preexec_fn=_die_with_parent)

    def stop(signum, _frame):
        raise _Stop(signum)

    # SIGINT too, explicitly: a command started in the background by a shell (nohup, `&`, a CI
    # runner) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt for it
    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        return proc.wait()
    except (KeyboardInterrupt, _Stop):
        _stop_group(proc)
        return 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if proc.poll() is None:  # an error on the way out: never leave the server behind
            _stop_group(proc)


#: seconds the server has to stop after SIGTERM before it is killed
STOP_S = 8.0


class _Stop(Exception):
    """SIGINT, SIGTERM or SIGHUP reached `serve`."""


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL to what is left after STOP_S."""
    for sig, wait in ((signal.SIGTERM, STOP_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the server is gone; anything it started in its group goes too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return
