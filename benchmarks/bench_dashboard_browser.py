"""The classroom page's speed in a real browser: Step latency and Play speed (a table, not a test).

    .venv/bin/python benchmarks/bench_dashboard_browser.py [--seconds 40]

Starts ``selloff dashboard`` on a free port of 127.0.0.1, opens the full-size deepseek preset
(seed 3) in Debian's Chromium through Playwright (as tests/test_dashboard_browser.py does),
presses "run to the next shock" three times (to Monday's open), then times five Step clicks
(until the page shows the next minute and a new chart) and Play at full speed for --seconds,
with the server's CPU time over the same span (the host is shared: the load average is
printed).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its descendants (Linux /proc): the
    dashboard command runs the server as a child process."""
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    f = fh.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            stats[int(d)] = (int(f[1]), (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
    tree, todo, total = {pid}, [pid], 0.0
    while todo:
        parent = todo.pop()
        total += stats.get(parent, (0, 0.0))[1]
        for q, (ppid, _c) in stats.items():
            if ppid == parent and q not in tree:
                tree.add(q)
                todo.append(q)
    return total


def _until(cond, seconds: float) -> None:
    t = time.monotonic()
    while not cond() and time.monotonic() - t < seconds:
        time.sleep(0.01)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40.0, help="how long Play is timed")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", "dashboard", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/", timeout=2).read(10)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{url}/?scenario=deepseek&seed=3", wait_until="networkidle")
            page.locator("#minute").wait_for(timeout=120_000)

            def minute() -> int:
                return int(page.locator("#minute").inner_text())

            for _ in range(3):  # Friday's open, Friday's news, Monday's news before the open
                m0 = minute()
                page.get_by_role("button", name="run to the next shock", exact=True).click()
                _until(lambda m0=m0: minute() > m0, 300)
            time.sleep(2)
            img = page.locator("img").first
            lat = []
            for _ in range(5):
                src, m0, t = img.get_attribute("src"), minute(), time.monotonic()
                page.get_by_role("button", name="Step", exact=True).click()
                _until(lambda m0=m0, src=src: minute() != m0 and img.get_attribute("src") != src,
                       30)
                lat.append(time.monotonic() - t)
                time.sleep(0.5)
            m0, c0, t0 = minute(), _cpu_s(proc.pid), time.monotonic()
            page.get_by_role("button", name="▶", exact=True).click()
            time.sleep(a.seconds)
            m1, c1, t1 = minute(), _cpu_s(proc.pid), time.monotonic()
            page.get_by_role("button", name="❚❚", exact=True).click()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    rate = (m1 - m0) / (t1 - t0)
    per = (c1 - c0) / max(1, m1 - m0)
    print(f"load average at the start: {load}; at the end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Step click -> the next minute and a new chart on the page, s: "
          + " ".join(f"{x:.2f}" for x in lat))
    print(f"Play at full speed: {m1 - m0} minutes in {t1 - t0:.1f} s ({rate:.1f} a second): "
          f"the Monday's 390 minutes in {390 / rate:.0f} s; the server's CPU {per:.3f} s a "
          f"minute, {390 * per:.0f} s for the Monday")


if __name__ == "__main__":
    main()
