"""The classroom page as a class meets it, in real browsers: a table, not a test.

    .venv/bin/python benchmarks/bench_dashboard_browser.py [--pages 1 5 30] [--seconds 40]
        [--own 2] [--small]

For each number of pages: starts ``selloff dashboard`` on a free port of 127.0.0.1 (a fresh
server each time), opens the lecturer's link (deepseek, seed 3, full size unless --small) in
Debian's Chromium through Playwright at 1280x720, jumps to Monday before its opening auction,
then opens the other pages on the students' link: they watch the class run, and the first
--own of them start a run of their own and play it at full speed (one more asks and must be
told the server is busy). Then it times five Step clicks on the lecturer's page (until it
shows the next minute and a new chart, and until every watching page shows that minute), and
Play at full speed for --seconds: the minutes a second on the projector, the frames each
watching page received, and the longest time a page's clock stood still while the run
played, with whether the page said why (its "waiting for the server" banner). Each page
records what it shows itself (a script in the page samples its clock every 200 ms), so the
measuring adds no load to the server. Last, every page is closed, and the server's resident
memory (the dashboard command and its server process) is read before any page, while they
play, and after the pages are gone and their runs freed, with the server's CPU time over the
10 s after. The host is shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
#: the pages are tabs of one window: without the last three flags Chromium throttles the
#: timers and paints of every tab but the front one (to about once a second), as it does for
#: a tab a student is not looking at; a class's pages are each in front on their own screen
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
SMALL = ("&set=population.noise.count=1500&set=population.fundamental.count=800"
         "&set=population.momentum.count=300")
#: what each page records of itself, every 200 ms: (ms since the epoch, the minute shown,
#: whether its "waiting for the server" banner or a busy notice is up)
SAMPLER = """
window.__samples = [];
setInterval(() => {
  const m = document.querySelector('#minute');
  const w = document.querySelector('#waiting') || document.querySelector('#busy');
  window.__samples.push([Date.now(), m ? parseInt(m.textContent) : -1, w ? 1 : 0]);
}, 200);
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc)."""
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        for q, pp in parents.items():
            if pp == p and q not in out:
                out.append(q)
                todo.append(q)
    return out


def _rss_mb(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total / 2**20


def _cpu_s(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def _until(cond, seconds: float) -> bool:
    t = time.monotonic()
    while time.monotonic() - t < seconds:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _minute(page) -> int:
    try:
        return int(page.locator("#minute").inner_text(timeout=5000))
    except Exception:  # the page is between two renders
        return -1


def one(n_pages: int, seconds: float, own: int, small: bool) -> dict:
    """One server, `n_pages` pages: what the module docstring says, as a dict of figures."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="bench-dash-")) / "server.log"
    env = dict(os.environ, SELLOFF_DASHBOARD_CODE="bench", SELLOFF_DASHBOARD_OWN_RUNS=str(own))
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", "dashboard", "--port",
                                 str(port)], stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    query = "scenario=deepseek&seed=3" + (SMALL if small else "")
    out: dict = {"pages": n_pages, "load0": os.getloadavg()[0]}
    try:
        _until(lambda: _answers(url), 120)
        time.sleep(2)
        out["rss_before"] = _rss_mb(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context(viewport={"width": 1280, "height": 720})
            ctx.add_init_script(SAMPLER)
            lect = ctx.new_page()
            lect.goto(f"{url}/?{query}&lecturer=bench", wait_until="networkidle")
            lect.locator("#minute").wait_for(timeout=120_000)
            jump = lect.get_by_role("button", name="jump to Mon 27 Jan")
            jump.wait_for(timeout=120_000)
            t = time.monotonic()
            jump.click()
            _until(lambda: _minute(lect) == 390, 600)
            out["jump_s"] = time.monotonic() - t
            pages = []
            for _ in range(n_pages - 1):
                pg = ctx.new_page()
                pg.goto(f"{url}/?{query}", wait_until="domcontentloaded")
                pages.append(pg)
            for pg in pages:
                pg.locator("#minute").wait_for(timeout=300_000)
            owners, busy = pages[:own], 0
            for pg in owners:
                pg.get_by_role("button", name="my own run of this link").click()
            for pg in owners:
                pg.get_by_role("button", name="max").click(timeout=120_000)
                pg.get_by_role("button", name="Play").click(timeout=120_000)
            if len(pages) > own:
                extra = pages[own]
                extra.get_by_role("button", name="my own run of this link").click()
                busy = int(_until(lambda: "The server is busy" in extra.inner_text("body"), 60))
            watchers = pages[own:]
            time.sleep(2)
            img = lect.locator(".selloff-view img").first
            lat, lag = [], []
            for _ in range(5):
                src, m0 = img.get_attribute("src"), _minute(lect)
                t0 = time.time()
                # dispatched at once, as a person's click is (Playwright would first wait for
                # the button to hold still over two animation frames, about a second here)
                lect.get_by_role("button", name="Step one minute").click(force=True)
                _until(lambda m0=m0, src=src: _minute(lect) > m0
                       and img.get_attribute("src") != src, 60)
                lat.append(time.time() - t0)
                _until(lambda m0=m0: all(_seen(w, m0 + 1) for w in watchers), 60)
                if watchers:
                    lag.append(max(_first_seen(w, m0 + 1) for w in watchers) / 1000 - t0)
                time.sleep(0.5)
            out["step_s"], out["watch_lag_s"] = lat, lag
            lect.get_by_role("button", name="max").click()
            m0, c0, t0 = _minute(lect), _cpu_s(proc.pid), time.time()
            lect.get_by_role("button", name="Play").click()
            time.sleep(seconds)
            m1, c1, t1 = _minute(lect), _cpu_s(proc.pid), time.time()
            out["rss_during"] = _rss_mb(proc.pid)
            pause = lect.get_by_role("button", name="Pause")
            if pause.count():  # not if the run has ended meanwhile
                pause.click()
            out["play_rate"] = (m1 - m0) / (t1 - t0)
            out["cpu_per_s"] = (c1 - c0) / (t1 - t0)
            frames, gaps, silent = [], [], 0
            for w in [lect, *watchers]:
                s = [x for x in w.evaluate("window.__samples") if t0 * 1000 <= x[0] <= t1 * 1000]
                frames.append(len({x[1] for x in s}) / (t1 - t0))
                g, said = _longest_still(s)
                gaps.append(g)
                silent += int(g > 5.0 and not said)
            out["frames_per_s"], out["still_s"], out["silent"] = frames, gaps, silent
            out["own"], out["busy"] = len(owners), busy
            for pg in [*pages, lect]:
                pg.close()
            browser.close()
        t_closed = time.time()
        _until(lambda: log.read_text().count("stopped and freed") >= own + 1, 120)
        out["freed_s"] = time.time() - t_closed
        time.sleep(3)
        c0 = _cpu_s(proc.pid)
        time.sleep(10)
        out["cpu_after"] = _cpu_s(proc.pid) - c0
        out["rss_after"] = _rss_mb(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(30)
    out["load1"] = os.getloadavg()[0]
    return out


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/", timeout=2).read(10)
        return True
    except OSError:
        return False


def _seen(page, m: int) -> bool:
    return _first_seen(page, m) < float("inf")


def _first_seen(page, m: int) -> float:
    """When (ms since the epoch) page's clock first showed minute `m` or later."""
    s = page.evaluate(f"window.__samples.filter(x => x[1] >= {m}).slice(0, 1)")
    return float(s[0][0]) if s else float("inf")


def _longest_still(samples) -> tuple[float, bool]:
    """The longest span (s) a page showed one minute while the run played, and whether its
    banner (waiting, or busy) was up during that span."""
    best, said, start = 0.0, False, 0
    for k in range(1, len(samples) + 1):
        if k == len(samples) or samples[k][1] != samples[start][1]:
            span = (samples[k - 1][0] - samples[start][0]) / 1000
            if span > best:
                best = span
                said = any(x[2] for x in samples[start:k])
            start = k
    return best, said


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[1, 5, 30])
    ap.add_argument("--seconds", type=float, default=40.0, help="how long Play is timed")
    ap.add_argument("--own", type=int, default=2, help="pages that start their own run")
    ap.add_argument("--small", action="store_true", help="a smaller world (a quick look)")
    a = ap.parse_args()
    rows = []
    for n in a.pages:
        print(f"{n} page(s) ...", flush=True)
        rows.append(one(n, a.seconds, min(a.own, n - 1), a.small))

    def med(x):
        return f"{statistics.median(x):.2f}" if x else "-"

    def mx(x):
        return f"{max(x):.2f}" if x else "-"

    head = ["pages", "load avg", "jump to Mon (s)", "Step on projector (s, median/max)",
            "Step seen by every page (s, med/max)", "Play, projector (min/s)",
            "frames a page got (/s, median/min)", "longest still clock (s)",
            "silent freezes > 5 s", "own runs / told busy", "server CPU (cores)",
            "RSS before/during/after (MB)", "runs freed after close (s)",
            "CPU s in 10 s after"]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join([
            str(r["pages"]), f"{r['load0']:.1f}-{r['load1']:.1f}", f"{r['jump_s']:.1f}",
            f"{med(r['step_s'])}/{mx(r['step_s'])}",
            f"{med(r['watch_lag_s'])}/{mx(r['watch_lag_s'])}", f"{r['play_rate']:.1f}",
            f"{med(r['frames_per_s'])}/{min(r['frames_per_s']):.2f}",
            f"{max(r['still_s']):.1f}", str(r["silent"]), f"{r['own']} / {r['busy']}",
            f"{r['cpu_per_s']:.2f}",
            f"{r['rss_before']:.0f} / {r['rss_during']:.0f} / {r['rss_after']:.0f}",
            f"{r['freed_s']:.0f}", f"{r['cpu_after']:.2f}"]) + " |")


if __name__ == "__main__":
    main()
