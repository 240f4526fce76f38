"""The classroom page in a real browser: Debian's Chromium driven by Playwright, offline.

Starts `selloff dashboard` on a free port of 127.0.0.1 and opens the lecturer's link (the one
with the code) and the students' link: the lecturer steps, plays (and, with the run's process
stopped meanwhile, both pages say they are waiting for the server), pauses, jumps to Monday
before its opening auction, changes settings and resets to the same minute, exports; a
student's page follows the class run, starts a run of its own, and a second is told the server
is busy. At 1280x720 and 1600x1000 every tab is photographed (the pictures stay in the test's
tmp_path) and the layout is checked: no scrolling page, nothing hidden in the left column for
any preset's lesson, no button text cut, no overlap, the charts shown at their size, the
book's table with its columns apart. Fails on any request that leaves 127.0.0.1, any console
or page error, a name of Mesa's controller on the page. Last, SIGTERM to the command stops the
server and every run's process.
"""

import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest
from test_dashboard import _alive, _descendants, free_port, start_dashboard

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
QUERY = ("scenario=deepseek&seed=5&set=days=2&set=population.noise.count=600"
         "&set=population.fundamental.count=300&set=population.momentum.count=100")
CODE = "t3st"
MESA_NAMES = ("Play Interval", "Render Interval", "Use Threads", "Page 0", "PAGE 0",
              "Information", "Step:")

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("dash") / "server.log"
    env = dict(os.environ, SELLOFF_DASHBOARD_CODE=CODE, SELLOFF_DASHBOARD_OWN_RUNS="1")
    with open(log, "w") as fh:
        proc = start_dashboard(port, fh, env)
    try:
        yield f"http://127.0.0.1:{port}", log, proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except Exception:
                os.killpg(proc.pid, signal.SIGKILL)


def _minute(page) -> int:
    return int(page.locator("#minute").inner_text())


def _wait(cond, seconds=60.0, what=""):
    t = time.monotonic()
    while time.monotonic() - t < seconds:
        try:
            if cond():
                return
        except Exception:  # the element is being redrawn
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_pids(pid: int) -> list[int]:
    """The run processes (viz.dashboard.worker) under the command `pid`."""
    out = []
    for p in _descendants(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"viz.dashboard.worker" in cmd:
            out.append(p)
    return out


def _click(page, name):
    page.get_by_role("button", name=name, exact=True).click()


#: the layout checks, run in the page: a list of what is wrong (empty when nothing is)
LAYOUT = """() => {
  const bad = [];
  const W = window.innerWidth, H = window.innerHeight;
  const se = document.scrollingElement;
  if (se.scrollHeight > H + 1 || se.scrollWidth > W + 1)
    bad.push(`the page scrolls: ${se.scrollWidth}x${se.scrollHeight} in ${W}x${H}`);
  const left = document.querySelector('.selloff-left');
  if (left.scrollHeight > left.clientHeight + 1)
    bad.push(`the left column hides ${left.scrollHeight - left.clientHeight} px`);
  const head = document.querySelector('.selloff-head');
  if (head.scrollWidth > head.clientWidth + 1)
    bad.push(`the header is cut: ${head.innerText}`);
  const boxes = [];
  const inside = (el, what) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      bad.push(`${what} is outside the window: ${JSON.stringify(r)}`);
    boxes.push([what, el, r]);
  };
  document.querySelectorAll('.selloff-root button').forEach((b) => {
    if (b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1)
      bad.push(`button "${b.innerText}" cuts its text`);
    inside(b, `button "${b.innerText.trim()}"`);
  });
  document.querySelectorAll('.selloff-lesson li, .selloff-lesson h3').forEach(
    (li, k) => inside(li, `lesson line ${k}`));
  document.querySelectorAll('.selloff-view img').forEach((im) => {
    inside(im, 'the chart');
    if (im.naturalWidth && im.clientWidth < 0.9 * Math.min(im.naturalWidth,
        im.parentElement.clientWidth))
      bad.push(`the chart is shrunk to ${im.clientWidth} of ${im.naturalWidth} px`);
  });
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 &&
                        a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [na, ea, ra] = boxes[i], [nb, eb, rb] = boxes[j];
      if (!ea.contains(eb) && !eb.contains(ea) && hit(ra, rb))
        bad.push(`${na} overlaps ${nb}`);
    }
  document.querySelectorAll('table.selloff-trades tr').forEach((tr) => {
    [...tr.children].forEach((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      const text = range.getBoundingClientRect();
      const r = td.getBoundingClientRect();
      if (text.width + 16 > r.width) bad.push(`table cell "${td.innerText}" has no room`);
    });
  });
  return bad;
}"""


def _layout(page, what):
    bad = page.evaluate(LAYOUT)
    assert not bad, f"{what}: {bad}"


def _every_lesson_fits(page):
    """Each preset's lesson, put into the page's lesson panel, fits the left column."""
    from scenarios.library.catalog import SCENARIOS
    from viz.dashboard.app import _markdown
    from viz.dashboard.lessons import lesson_for

    for name in SCENARIOS:
        html = _markdown(lesson_for(name))
        page.evaluate("(h) => { document.querySelector('.selloff-lesson').innerHTML = h }",
                      html)
        hidden = page.evaluate("() => { const l = document.querySelector('.selloff-left');"
                               " return l.scrollHeight - l.clientHeight }")
        assert hidden <= 1, f"the {name} lesson hides {hidden} px of the left column"


def test_classroom_page_as_a_class_meets_it(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log, _proc, _port = server
    outside, errors = [], []
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)

        def on_request(req):
            if not req.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:",
                                       "blob:")):
                outside.append(req.url)

        ctx.on("request", on_request)
        lect = ctx.new_page()
        for pg_errors in (lect,):
            pg_errors.on("console", lambda m: errors.append(m.text) if m.type == "error"
                         else None)
            pg_errors.on("pageerror", lambda e: errors.append(str(e)))
        lect.goto(f"{url}/?{QUERY}&lecturer={CODE}", wait_until="networkidle")
        lect.locator("#minute").wait_for(timeout=60_000)
        _wait(lambda: lect.get_by_role("button", name="Step one minute").is_enabled(), 60,
              "the run to be built")
        body = lect.inner_text("body")
        assert "deepseek, seed 5" in body and "the class run" in body
        assert "deepseek, seed 5" in lect.title() and "selloff classroom" in lect.title()
        for name in MESA_NAMES:
            assert name not in body, f"Mesa's {name!r} is on the page"
        assert _minute(lect) == 0

        # Step: the clock moves and the price chart is drawn again
        img = lect.locator(".selloff-view img").first
        before = img.get_attribute("src")
        _click(lect, "Step one minute")
        _wait(lambda: _minute(lect) == 1, what="a Step")
        _wait(lambda: img.get_attribute("src") != before, what="the chart to change")
        assert "Fri 24 Jan 09:31" in lect.inner_text("#clock")
        _layout(lect, "1280x720, prices")
        _every_lesson_fits(lect)
        lect.reload(wait_until="networkidle")  # the lesson panel as the server made it
        lect.locator("#minute").wait_for(timeout=60_000)
        assert _minute(lect) == 1  # the lecturer's page reloaded: the same class run

        # a student watches the class run: no controls, the same minute, and it follows
        stud = ctx.new_page()
        stud.goto(f"{url}/?{QUERY}", wait_until="networkidle")
        stud.locator("#minute").wait_for(timeout=60_000)
        _wait(lambda: _minute(stud) == 1, 30, "the student's page to show the class run")
        assert "the lecturer drives it" in stud.inner_text("#status")
        assert stud.get_by_role("button", name="Step one minute").count() == 0
        _click(lect, "Step one minute")
        _wait(lambda: _minute(stud) == 2, 30, "the student's page to follow a Step")
        assert "2 pages watching" in lect.inner_text("#status")

        # Play at full speed, then Pause
        _click(lect, "max")
        _click(lect, "Play")
        _wait(lambda: _minute(lect) >= 30, 120, "Play to advance")
        _wait(lambda: _minute(stud) >= 20, 60, "the student's page to follow Play")
        # on at one simulated minute a second, so that Monday's opening auction (minute 390)
        # is still ahead when the jump below is tried, however fast this machine steps
        _click(lect, "1")
        # a server that stops answering (the run's process stopped) is said so on the page,
        # by the page itself, and the page goes on when the server does
        worker = _worker_pids(_proc.pid)
        assert len(worker) == 1, worker
        os.kill(worker[0], signal.SIGSTOP)
        try:
            lect.locator("#waiting").wait_for(timeout=30_000)
            assert "Waiting for the server" in lect.inner_text("#waiting")
            stud.locator("#waiting").wait_for(timeout=30_000)
        finally:
            os.kill(worker[0], signal.SIGCONT)
        lect.locator("#waiting").wait_for(state="detached", timeout=30_000)
        _click(lect, "Pause")
        lect.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
        seen = [_minute(lect)]
        for _ in range(10):
            time.sleep(2.0)
            seen.append(_minute(lect))
            if seen[-1] == seen[-2]:
                break
        assert seen[-1] == seen[-2], f"Pause did not stop the run: minutes {seen}"

        # the lecturer's jumps: Monday before its opening auction, then the auction
        jump = lect.get_by_role("button", name=re.compile("jump to Mon 27 Jan before its "
                                                           "opening auction"))
        jump.click()
        _wait(lambda: _minute(lect) == 390, 120, "the jump to Monday's open")
        assert "Fri 24 Jan 16:00" in lect.inner_text("#clock")
        lect.get_by_role("tab", name="events").click()
        _wait(lambda: "events so far" in lect.inner_text(".selloff-view"), 30, "events")
        assert "Mon 27 Jan before the open: deepseek" not in lect.inner_text(".selloff-view")
        _click(lect, "Step one minute")
        _wait(lambda: "Mon 27 Jan before the open: deepseek" in lect.inner_text(
            ".selloff-view"), 60, "Monday's news with the opening auction")
        assert _minute(lect) == 391
        lect.screenshot(path=str(shots / "1280-events.png"))
        if os.environ.get("SELLOFF_DOCS_SCREENSHOT"):
            lect.get_by_role("tab", name="prices").click()
            _click(lect, "Play")
            _wait(lambda: _minute(lect) >= 450, 120, "Monday to play")
            _click(lect, "Pause")
            time.sleep(2)
            lect.screenshot(path=str(shots / "docs.png"))
            shutil.copy(shots / "docs.png", os.environ["SELLOFF_DOCS_SCREENSHOT"])
        here = _minute(lect)

        # every tab, at 1280x720 and at 1600x1000: photographed, checked
        for w, h in ((1280, 720), (1600, 1000)):
            lect.set_viewport_size({"width": w, "height": h})
            for tab in ("prices", "supply network", "who bought and sold", "leverage",
                        "the book", "events", "settings", "export"):
                lect.get_by_role("tab", name=tab).click()
                if tab not in ("events", "settings", "export"):
                    _wait(lambda: lect.locator(".selloff-view img").count() > 0, 30,
                          f"the {tab} chart")
                time.sleep(0.8)
                lect.screenshot(path=str(shots / f"{w}-{tab.replace(' ', '_')}.png"))
                _layout(lect, f"{w}x{h}, {tab}")
        lect.set_viewport_size({"width": 1280, "height": 720})

        # settings: slider values shown; a slider moved and a channel switched off apply at
        # "Reset to this minute": the same minute, the new settings, a link that names them
        lect.get_by_role("tab", name="settings").click()
        reach = lect.locator(".v-input", has_text="deepseek: reach")
        label0 = reach.inner_text()
        assert re.search(r"deepseek: reach: 0\.\d", label0), label0
        thumb = reach.locator("[role=slider]")
        thumb.focus()
        for _ in range(5):
            thumb.press("ArrowLeft")
        _wait(lambda: reach.inner_text() != label0, 10, "the slider's value in its label")
        lect.get_by_text("channel fire sale: on", exact=True).click()
        _wait(lambda: "channels.fire_sale=False" in lect.inner_text("#pending"), 10,
              "the pending settings")
        _click(lect, "Reset to this minute")
        _wait(lambda: "channels.fire_sale=false" in lect.inner_text("#settings"), 120,
              "Reset with the channel off")
        _wait(lambda: "Pause" not in lect.inner_text(".selloff-left") and _minute(lect) == here,
              120, "the new run stepped back to the same minute")
        assert "shocks.deepseek.reach=" in lect.inner_text("#settings")
        from urllib.parse import unquote

        assert "channels.fire_sale=false" in unquote(lect.url)
        assert f"lecturer={CODE}" in lect.url
        _wait(lambda: _minute(stud) == here, 60, "the student's page after the Reset")

        # exports
        lect.get_by_role("tab", name="export").click()
        with lect.expect_download() as dl:
            _click(lect, "run card (JSON)")
        card = json.loads(Path(dl.value.path()).read_text())
        assert card["scenario"] == "deepseek" and card["seed"] == 5
        assert "channels.fire_sale=false" in card["overrides"]
        with lect.expect_download() as dl:
            _click(lect, "bars (CSV)")
        csv = Path(dl.value.path()).read_text().splitlines()
        assert csv[0].startswith("timestamp,ticker,open") and len(csv) == 1 + here * 19
        with lect.expect_download() as dl:
            _click(lect, "chart (PNG)")
        assert Path(dl.value.path()).read_bytes()[:4] == b"\x89PNG"

        # the student's own run, and a second student told the server is busy
        _click(stud, "my own run of this link")
        _wait(lambda: "your own run" in stud.inner_text("#status"), 120, "the own run")
        stud.get_by_role("button", name="Step one minute").wait_for(timeout=120_000)
        _wait(lambda: stud.get_by_role("button", name="Step one minute").is_enabled(), 120,
              "the own run to be built")
        assert _minute(stud) == 0
        _click(stud, "Step one minute")
        _wait(lambda: _minute(stud) == 1, 60, "a Step of the own run")
        assert _minute(lect) == here  # the class run did not move
        other = ctx.new_page()
        other.goto(f"{url}/?{QUERY}", wait_until="networkidle")
        other.locator("#minute").wait_for(timeout=60_000)
        _click(other, "my own run of this link")
        _wait(lambda: "The server is busy" in other.inner_text("#notice"), 30,
              "the busy message")
        assert _minute(other) == here  # it keeps watching the class run
        other.screenshot(path=str(shots / "1280-busy.png"))
        _layout(other, "1280x720, a student told the server is busy")
        _click(stud, "back to the class run")
        _wait(lambda: _minute(stud) == here, 60, "the student back on the class run")
        _click(other, "my own run of this link")
        _wait(lambda: "your own run" in other.inner_text("#status"), 120,
              "the place freed for the second student")
        _wait(lambda: log.read_text().count("your own run stopped and freed") >= 1, 60,
              "the first own run to be freed")
        other.close()
        _wait(lambda: log.read_text().count("your own run stopped and freed") >= 2, 60,
              "the own run of a closed page to be freed")
        body = lect.inner_text("body")
        browser.close()
    assert "Traceback" not in body and "Traceback" not in log.read_text()
    assert not outside, f"requests left 127.0.0.1: {outside[:5]}"
    assert not errors, f"console or page errors: {errors[:5]}"


def test_sigterm_stops_the_server_and_every_run(server):
    """With the class run's process going (the previous test opened it), SIGTERM to
    `selloff dashboard` leaves no process of it and frees the port."""
    from viz.dashboard import port_free

    _url, log, proc, port = server
    kids = _descendants(proc.pid)
    assert len(kids) >= 2, f"expected the server and a run's process: {kids}"
    try:
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(60)
        left = [p for p in kids if _alive(p)]
    finally:
        for p in kids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    assert code == 0
    assert not left, f"processes left running: {left}"
    assert port_free("127.0.0.1", port)
