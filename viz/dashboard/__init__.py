"""The classroom dashboard: a Mesa SolaraViz page served on 127.0.0.1 with every asset local.

``viz.dashboard.state`` (no Solara) steps a run and its twin; ``viz.dashboard.app`` is the page;
``serve`` starts it. Importing this package imports neither Solara nor mesa.visualization.
"""

from __future__ import annotations

import os
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
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cdn),
        "SOLARA_ASSETS_PROXY": "true",  # serve the cache ourselves (never the CDN's address)
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_TELEMETRY_SERVER_FINGERPRINT_ENABLE": "false",
    })
    cmd = [sys.executable, "-m", "solara", "run", "viz.dashboard.app", "--host", host,
           "--port", str(port), "--production", "--no-open", "--no-check-version"]
    return cmd, env


def port_free(host: str, port: int) -> bool:
    """Whether `port` on `host` can be bound now."""
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def serve(scenario: str = "deepseek", host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the dashboard server in the foreground until interrupted; return its exit code."""
    cmd, env = server_command(host, port)
    env["SELLOFF_DASHBOARD_SCENARIO"] = scenario
    print(f"selloff dashboard: http://{host}:{port}/?scenario={scenario}  (Ctrl-C stops it)",
          flush=True)
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(10)
        return 0
