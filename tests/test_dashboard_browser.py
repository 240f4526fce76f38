"""The classroom page in a real browser: Debian's Chromium driven by Playwright, offline.

Starts `selloff dashboard` on a free port of 127.0.0.1, opens a preset URL, steps, plays and
pauses, moves a slider, switches a channel, resets, exports. Fails on any request that leaves
127.0.0.1, any console or page error, a blank page, or a Step that changes nothing.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
QUERY = ("scenario=deepseek&seed=5&set=days=2&set=population.noise.count=600"
         "&set=population.fundamental.count=300&set=population.momentum.count=100")

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("dash") / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", "dashboard", "--port",
                                 str(port)], stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/", timeout=2).read(100)
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError("dashboard exited: " + log.read_text()[-2000:]) from None
                time.sleep(0.5)
        else:
            raise AssertionError("dashboard did not answer: " + log.read_text()[-2000:])
        yield url, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _minute(page) -> int:
    return int(page.locator("#minute").inner_text())


def _wait(cond, seconds=60.0, what=""):
    t = time.monotonic()
    while time.monotonic() - t < seconds:
        if cond():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_classroom_page_offline(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = server
    outside, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000},
                                accept_downloads=True)

        def on_request(req):
            if not req.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:",
                                       "blob:")):
                outside.append(req.url)

        page.on("request", on_request)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/?{QUERY}", wait_until="networkidle")
        page.locator("#minute").wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "deepseek, seed 5" in body  # the page names the preset it opened
        assert "population.noise.count=600" in body
        assert _minute(page) == 0
        page.screenshot(path=str(tmp_path / "1-loaded.png"), full_page=True)

        # Step: the clock moves and the price chart is redrawn
        img = page.locator("img").first
        before = img.get_attribute("src")
        page.get_by_role("button", name="Step", exact=True).click()
        _wait(lambda: _minute(page) > 0, what="a Step")
        _wait(lambda: img.get_attribute("src") != before, what="the chart to change")
        stepped = _minute(page)

        # Play, then pause
        page.get_by_role("button", name="▶", exact=True).click()
        _wait(lambda: _minute(page) >= stepped + 20, 120, "Play to advance")
        page.get_by_role("button", name="❚❚", exact=True).click()
        page.get_by_role("button", name="▶", exact=True).wait_for(timeout=30_000)
        # the batch of steps under way when Pause was pressed is still drawn; then it stops
        seen = [_minute(page)]
        for _ in range(10):
            time.sleep(3.0)
            seen.append(_minute(page))
            if seen[-1] == seen[-2]:
                break
        assert seen[-1] == seen[-2], f"Pause did not stop the run: minutes {seen}"
        page.screenshot(path=str(tmp_path / "2-played.png"), full_page=True)

        # run to the next shock: the shock appears among the events
        page.get_by_role("button", name="run to the next shock", exact=True).click()
        _wait(lambda: "r1_early" in page.inner_text("body"), 120, "the first shock")

        # move a slider, switch a channel off, Reset: the run's settings name both
        thumb = page.locator(".v-input", has_text="deepseek: reach").locator("[role=slider]")
        thumb.focus()
        for _ in range(5):
            thumb.press("ArrowLeft")
        page.locator(".v-input", has_text="channel on: fire sale").locator(
            "input[type=checkbox]").click(force=True)
        page.get_by_role("button", name="Reset", exact=True).click()
        _wait(lambda: "channels.fire_sale=false" in page.inner_text("body"), 60,
              "Reset with the channel off")
        body = page.inner_text("body")
        assert "shocks.deepseek.reach=" in body
        assert _minute(page) == 0

        # exports: run card, bars, chart
        with page.expect_download() as dl:
            page.get_by_role("button", name="run card (JSON)", exact=True).click()
        card = json.loads(Path(dl.value.path()).read_text())
        assert card["scenario"] == "deepseek" and card["seed"] == 5
        assert "channels.fire_sale=false" in card["overrides"]
        page.get_by_role("button", name="Step", exact=True).click()
        _wait(lambda: _minute(page) > 0, what="a Step after Reset")
        with page.expect_download() as dl:
            page.get_by_role("button", name="bars (CSV)", exact=True).click()
        csv = Path(dl.value.path()).read_text().splitlines()
        assert csv[0].startswith("timestamp,ticker,open") and len(csv) > 1
        with page.expect_download() as dl:
            page.get_by_role("button", name="chart (PNG)", exact=True).click()
        assert Path(dl.value.path()).read_bytes()[:4] == b"\x89PNG"
        page.screenshot(path=str(tmp_path / "3-reset.png"), full_page=True)
        page.goto(f"{url}/?{QUERY}&set=shocks.deepseek.size=-0.3", wait_until="networkidle")
        page.locator("#minute").wait_for(timeout=60_000)
        for _ in range(3):  # Friday's open, Friday's 10:30 news, Monday's open
            m0 = _minute(page)
            page.get_by_role("button", name="run to the next shock", exact=True).click()
            _wait(lambda m0=m0: _minute(page) > m0, 180, "the next shock")
        _wait(lambda: "Mon 27 Jan before the open: deepseek" in page.inner_text("body"), 60,
              f"Monday's news (at minute {_minute(page)})")
        page.get_by_role("button", name="Step", exact=True).click()
        time.sleep(3)
        shot = tmp_path / "4-monday.png"
        page.screenshot(path=str(shot), full_page=False)
        if os.environ.get("SELLOFF_DOCS_SCREENSHOT"):
            shutil.copy(shot, os.environ["SELLOFF_DOCS_SCREENSHOT"])
        body = page.inner_text("body")
        browser.close()
    assert "Traceback" not in body and "Error" not in body.split("This website runs")[0]
    assert not outside, f"requests left 127.0.0.1: {outside[:5]}"
    assert not errors, f"console or page errors: {errors[:5]}"
