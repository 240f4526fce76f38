"""The trading floor's pages in a real browser: Debian's Chromium driven by Playwright, offline.

Three browser contexts (an instructor, two students) on one server on 127.0.0.1: they join by
typing and clicking, the instructor starts, pauses and steps the clock with the buttons, the
students send orders by clicking (a market buy that fills, a limit that rests and is cancelled,
one the floor rejects with its message), a refresh keeps a student in, one student never sees
the other's orders, the instructor ends the session, reads the debrief and exports the fills.
Fails on any console error or page error (but for the one 400 the rejected order is answered
with) and on any request that leaves 127.0.0.1. Screenshots go to the test's tmp folder (and
to $SELLOFF_SHOTS when set).
"""

import os
import shutil
from pathlib import Path

import pytest
from floor_client import ADMIN, CODE, SEED, slow_floor, small_deepseek, wait_for

from scenarios.floor.session import FloorSession
from viz.floor import start

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def floor():
    s = FloorSession(small_deepseek(), slow_floor(), seed=SEED)
    srv, _ = start(s, code=CODE, admin_code=ADMIN)
    yield s, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    s.close()


def _shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SELLOFF_SHOTS"):
        shutil.copy(path, Path(os.environ["SELLOFF_SHOTS"]) / path.name)
    assert path.stat().st_size > 10_000  # not a blank page
    return path


def test_a_class_trades_from_its_browsers(floor, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    session, url = floor
    problems, outside = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        pages = {}
        for who, size in (("teacher", (1400, 1000)), ("ann", (1400, 1100)),
                          ("bob", (1200, 1000))):
            ctx = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                      accept_downloads=True)

            def guard(route, who=who):
                if route.request.url.startswith(url):
                    route.continue_()
                else:
                    outside.append((who, route.request.url))
                    route.abort()

            ctx.route("**/*", guard)
            page = ctx.new_page()
            page.on("console", lambda m, who=who: problems.append((who, m.type, m.text))
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e, who=who: problems.append((who, "pageerror", str(e))))
            pages[who] = page
        t, ann, bob = pages["teacher"], pages["ann"], pages["bob"]

        t.goto(url + "/instructor")
        t.fill("#admin-code", ADMIN)
        t.click("#admin-button")
        expect(t.locator("#desk")).to_be_visible()
        for page, name in ((ann, "Ann"), (bob, "Bob")):
            page.goto(url + "/")
            expect(page.locator("#join")).to_be_visible()
            page.fill("#join-name", name)
            page.fill("#join-code", CODE)
            page.click("#join-button")
            expect(page.locator("#floor")).to_be_visible()
            expect(page.locator("#who")).to_have_text(name)
        expect(t.locator("#class tr")).to_have_count(2)

        t.click("#c-start")
        expect(t.locator("#state")).to_have_text("running")
        t.click("#c-pause")
        expect(t.locator("#state")).to_have_text("paused")
        t.click("#c-step")
        expect(t.locator("#clock")).to_contain_text("09:31", timeout=15_000)

        # Ann bids for 50 NVDA 2% over the last price: queued, then filled at the next minute
        # (or the one after: this small world's book is thin, its offers come and go)
        ann.click("#tickers tr[data-ticker=NVDA]")
        last = session.snapshot.marks[0] / 100
        ann.fill("#o-qty", "50")
        ann.fill("#o-price", f"{last * 1.02:.2f}")
        ann.click("#o-send")
        expect(ann.locator("#order-msg")).to_contain_text("queued")
        expect(ann.locator("#orders")).to_contain_text("queued")
        for _ in range(5):
            m0 = session.snapshot.minute
            t.click("#c-step")
            wait_for(lambda m0=m0: session.snapshot.minute > m0, 15, "a step")
            if session.world.orders[1].status == "filled":
                break
        expect(ann.locator("#orders tr").first).to_contain_text("filled", timeout=15_000)
        expect(ann.locator("#tickers tr[data-ticker=NVDA] td").last).to_have_text("50")
        expect(ann.locator("#fills tr")).not_to_have_count(0)

        # Bob offers 30 NVDA 8% above the market (a short, within his margin), then cancels
        bob.click("#tickers tr[data-ticker=NVDA]")
        bob.click("#o-sell")
        last = session.snapshot.marks[0] / 100
        bob.fill("#o-qty", "30")
        bob.fill("#o-price", f"{last * 1.08:.2f}")  # past LULD's 5% band: no market buy reaches it
        bob.click("#o-send")
        expect(bob.locator("#order-msg")).to_contain_text("queued")
        t.click("#c-step")
        row = bob.locator("#orders tr").first
        expect(row).to_contain_text("open", timeout=15_000)
        row.locator("button[data-cancel]").click()
        expect(bob.locator("#order-msg")).to_contain_text("will be cancelled")
        t.click("#c-step")
        expect(bob.locator("#orders tr").first).to_contain_text("cancelled", timeout=15_000)

        # an order the floor refuses says why, on the page
        bob.select_option("#o-type", "market")
        bob.fill("#o-qty", "999999")
        bob.click("#o-send")
        expect(bob.locator("#order-msg")).to_contain_text("Rejected: qty: must be in [1, 10,000]")

        # Bob's page shows none of Ann's orders; Ann's none of Bob's
        ann_ids = {o.id for o in session.world.orders.values() if o.student == 0}
        bob_ids = {o.id for o in session.world.orders.values() if o.student == 1}
        assert ann_ids and bob_ids
        bob_rows = set(bob.locator("#orders tr").evaluate_all(
            "rs => rs.map(r => Number(r.dataset.order))"))
        ann_rows = set(ann.locator("#orders tr").evaluate_all(
            "rs => rs.map(r => Number(r.dataset.order))"))
        assert bob_rows == bob_ids and ann_rows == ann_ids

        # a refresh keeps Ann in (her token is in localStorage)
        ann.reload()
        expect(ann.locator("#floor")).to_be_visible()
        expect(ann.locator("#join")).to_be_hidden()
        expect(ann.locator("#who")).to_have_text("Ann")
        expect(ann.locator("#orders tr").first).to_contain_text("filled")

        # the instructor sees the class live, then ends the session and reads the debrief
        expect(t.locator("#class")).to_contain_text("NVDA 50")
        expect(t.locator("#board tr")).to_have_count(2)
        _shot(ann, tmp_path, "floor_student")
        _shot(t, tmp_path, "floor_instructor")
        t.click("#c-end")
        expect(t.locator("#state")).to_have_text("ended")
        expect(t.locator("#debrief")).to_be_visible(timeout=15_000)
        expect(t.locator("#d-status")).to_contain_text("Done", timeout=90_000)
        expect(t.locator("#d-prices tr")).to_have_count(len(session.world.tickers))
        expect(t.locator("#d-prices tr[data-ticker=NVDA]")).not_to_contain_text("…")
        with t.expect_download() as dl:
            t.click("#x-fills")
        text = Path(dl.value.path()).read_text()
        assert text.splitlines()[0].startswith("name,order,ticker")
        assert sum(line.startswith("Ann,") for line in text.splitlines()) == len(
            session.world.students[0].fills)
        _shot(t, tmp_path, "floor_debrief")
        # after the end, an order is refused with the reason
        ann.click("#o-send")
        expect(ann.locator("#order-msg")).to_contain_text("the session has ended")
        browser.close()

    assert not outside, outside
    # the rejected orders' 400s are logged by Chromium as failed loads: those two, nothing else
    expected = "Failed to load resource: the server responded with a status of 400"
    assert [x for x in problems if expected not in x[2]] == [], problems
    assert sum(expected in x[2] for x in problems) == 2, problems
    wait_for(lambda: session.state == "ended", 5)
