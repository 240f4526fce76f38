"""The classroom dashboard without a browser: run cards, lockstep twin, same bars as `run`,
and the page's components rendered with solara.render."""

import dataclasses
import json

import numpy as np
import pytest

from scenarios.engine.model import MINUTES
from scenarios.engine.recording import BAR, DAY
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides
from scenarios.studies.run import run

SMALL = ("days=1", 'tickers=["NVDA","TSM","MSFT","ASML"]', "population.noise.count=300",
         "population.fundamental.count=200", "population.momentum.count=80",
         "population.leveraged.count=5", "population.passive.count=2")


def test_card_from_url_names_the_run():
    from viz.dashboard.state import card_from_query, card_to_query

    c = card_from_query("?scenario=deepseek&seed=3&set=shocks.deepseek.size=-0.3")
    assert (c.scenario, c.seed, c.overrides) == ("deepseek", 3, ("shocks.deepseek.size=-0.3",))
    assert c.build().shocks[[s.name for s in c.build().shocks].index("deepseek")].size == -0.3
    assert card_from_query(card_to_query(c)) == c
    assert card_from_query("", "chip_tariffs").scenario == "chip_tariffs"


@pytest.mark.parametrize("query, field", [
    ("scenario=nope", "scenario"), ("seed=-1", "seed"), ("seed=x", "seed"),
    ("seed=99999999999999999999", "seed"), ("set=shocks.deepseek.size=7", "set"),
    ("set=no.such.field=1", "set"), ("twin=sideways", "twin")])
def test_bad_url_names_the_field(query, field):
    from viz.dashboard.state import CardError, card_from_query

    with pytest.raises(CardError) as e:
        card_from_query(query)
    assert str(e.value).startswith(field + ":")


def test_run_card_json_reloads_the_same_run():
    from viz.dashboard.state import RunCard

    c = RunCard("jevons", 7, ("shocks.cheap_ai.jevons_share=0.2",), "fire sales off")
    d = json.loads(c.to_json())
    assert d["cli"] == "selloff run jevons --seed 7 --set shocks.cheap_ai.jevons_share=0.2"
    assert d["version"] and RunCard.from_json(c.to_json()) == c


def test_knob_ranges_are_the_fields_specs():
    from agents.population import Leveraged
    from viz.dashboard.state import lesson_knobs

    knobs = {k.path: k for k in lesson_knobs(get_scenario("deepseek"))}
    spec = next(f for f in dataclasses.fields(Leveraged) if f.name == "leverage_limit")
    meta = next(iter(spec.metadata.values()))
    k = knobs["population.leveraged.leverage_limit"]
    assert (k.lo, k.hi, k.value) == (meta.lo, meta.hi, 3.2)
    size = knobs["shocks.deepseek.size"]
    news = next(s for s in get_scenario("deepseek").shocks if s.name == "deepseek")
    sspec = next(iter(next(f for f in dataclasses.fields(type(news))
                           if f.name == "size").metadata.values()))
    assert (size.lo, size.hi, size.value) == (sspec.lo, sspec.hi, news.size)
    assert {"shocks.deepseek.reach", "shocks.deepseek.spread_per_hour",
            "shocks.deepseek.jevons_share", "population.noise.count"} <= set(knobs)


def test_dashboard_run_gives_the_same_bars_as_selloff_run():
    """The page's way (card -> ClassroomModel, stepped to the close) against
    scenarios.studies.run."""
    from viz.dashboard.state import ClassroomModel

    sets = (*SMALL, "shocks.r1_early.size=-0.1")
    cm = ClassroomModel("deepseek", 3, sets, "no twin",
                        **{"population.leveraged.leverage_limit": 3.0})
    while cm.running:
        cm.step()
    sc = apply_overrides(get_scenario("deepseek"),
                         [*sets, "population.leveraged.leverage_limit=3.0"])
    res = run(sc, seed=3)
    assert cm.t == MINUTES
    np.testing.assert_array_equal(cm.main.bars, res.bars)
    np.testing.assert_array_equal(cm.main.daily, res.daily)
    assert res.bars[..., BAR.volume].sum() > 0


def test_twin_steps_in_lockstep_and_differs_only_by_its_switch():
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 1, (*SMALL, "shocks.r1_early.size=-0.3",
                                        "shocks.r1_early.reach=0.9"), "no shock")
    n = cm.run_to_next_shock()
    first = cm.shock_at[0]
    assert n == first + 1 and cm.t == first + 1  # stops right after the shock's minute
    assert cm.main.events and not cm.twin_model.events
    assert cm.twin_model.steps == cm.main.steps == cm.t
    # same seed: before the shock both runs are the same, minute for minute
    np.testing.assert_array_equal(cm.main.bars[:first], cm.twin_model.bars[:first])
    for _ in range(60):
        cm.step()
    assert not np.array_equal(cm.main.bars[: cm.t], cm.twin_model.bars[: cm.t])
    assert any("r1_early" in line for line in cm.event_lines())


def test_views_read_the_run():
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 2, SMALL, "fire sales off")
    lev0 = cm.leverage()
    # the scenario's start: of 5 funds, round(0.5 * 5) = 2 on margin at 2.8x, 3 long-only at 0.98
    assert lev0.size == 5 and np.allclose(np.sort(lev0), [0.98] * 3 + [2.8] * 2, atol=0.05)
    for _ in range(30):
        cm.step()
    # the leverage view: each fund against its own limit (2.8 / 3.2 on margin, 0.98 / 1 long-only)
    assert np.allclose(cm.lev_history[0], [0.98, 0.98], atol=0.05), cm.lev_history[0]
    assert cm.last_trades(0, 3)[0][0] <= 29
    assert cm.moves().shape == (4,)


def test_net_by_motive_is_what_each_motive_bought_minus_sold():
    """Every trade has a buyer and a seller: the net shares of all motives cancel exactly in
    every minute and stock, so the dollars cancel up to rounding; market makers, the largest
    gross traders, come out small on net."""
    from market import Motive
    from scenarios.engine.recording import BOUGHT, SOLD
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 2, (*SMALL, "days=2", "shocks.deepseek.size=-0.4"),
                        "no twin")
    cm.step_to(390 + 120)
    mv = cm.main.motive_volume[: cm.t]
    np.testing.assert_array_equal((mv[..., BOUGHT] - mv[..., SOLD]).sum(axis=2), 0)
    for day in (0, 1):
        net = cm.net_by_motive(day)
        gross = cm.traded_by_motive(day)
        assert abs(sum(net.values())) < 1e-3 * max(1.0, sum(abs(v) for v in net.values()))
        # by hand for one motive: shares bought minus sold, minute by minute, at each close
        a, b = day * 390, min(cm.t, day * 390 + 390)
        k = Motive.VALUE
        want = sum(float(cm.main.motive_volume[g, j, k, BOUGHT] - cm.main.motive_volume[
            g, j, k, SOLD]) * cm.main.bars[g, j, BAR.close] / 100.0 for g in range(a, b)
            for j in range(len(cm.main.tickers)))
        assert net["value"] == pytest.approx(want, rel=1e-9, abs=1e-6)
        mm = gross["market_making"]
        assert mm > 0 and abs(net["market_making"]) < 0.25 * mm * float(
            cm.main.bars[a:b, :, BAR.close].max()) / 100.0


def test_prices_are_measured_from_the_close_before_the_run_and_day_moves_from_the_day_before():
    """The price chart's paths are the change since the close before the run's first day (a
    Friday start: Thursday's), named so; the network's colours are each day's move against
    the previous day's close, which at a close is `selloff run`'s close-to-close return."""
    from viz.dashboard import charts
    from viz.dashboard.state import ClassroomModel

    sets = (*SMALL, "days=3")
    cm = ClassroomModel("deepseek", 4, sets, "no twin")
    assert cm.base_date() == "2025-01-23"
    res = run(apply_overrides(get_scenario("deepseek"), list(sets)), seed=4)
    cm.step_to(2 * 390 + 2)  # Tuesday 09:32
    tue = cm.moves()
    # vs Monday's close
    want = res.bars[2 * 390 + 1, :, BAR.close] / res.daily[1, :, DAY.close] - 1.0
    np.testing.assert_allclose(tue, 100 * want)
    np.testing.assert_allclose(cm.rel_paths()[-1], 100 * (res.bars[2 * 390 + 1, :, BAR.close]
                                                          / res.prev_close - 1.0))
    cm.step_to(3 * 390)  # Tuesday's close: the day's whole move
    np.testing.assert_allclose(cm.moves(), 100 * res.close_returns()[2])
    fig = charts.price_figure(cm)
    assert "since Thu 23 Jan close" in fig._suptitle.get_text()
    net = charts.chart(cm, "network")
    net.render()
    assert "on Tue 28 Jan vs its Mon 27 Jan close" in net.ax.get_title(loc="left")


@pytest.mark.parametrize("start, before", [("2025-01-27", "2025-01-24"),  # Monday: Friday
                                           ("2025-01-21", "2025-01-17")])  # after MLK day
def test_the_close_before_the_run_skips_weekends_and_holidays(start, before):
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("baseline", 1, (*SMALL, "days=1", f'start_date="{start}"'), "no twin")
    assert cm.base_date() == before


def test_who_bought_and_sold_keeps_the_day_just_closed_after_the_next_open():
    from viz.dashboard import charts
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 5, (*SMALL, "days=2"), "no twin")
    cm.step_to(390 + 3)  # Monday 09:33
    ch = charts.chart(cm, "motives")
    ch.render()
    want0 = cm.net_by_motive(0)
    want1 = cm.net_by_motive(1)
    assert [b.get_visible() for b in ch.before] == [True] * len(ch.names)
    for k, name in enumerate(ch.names):
        assert ch.before[k].get_width() == pytest.approx(want0[name] / 1e6)
        assert ch.today[k].get_width() == pytest.approx(want1[name] / 1e6)
    labels = [t.get_text() for t in ch.legend.get_texts()]
    assert labels == ["Mon 27 Jan (so far)", "Fri 24 Jan (the day before)"]
    assert any(want0[n] != 0 for n in ch.names)


def test_jumps_go_before_the_shock_days_auction_and_to_the_close():
    from viz.dashboard.hub import _jumps
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 5, (*SMALL, "days=3"), "no twin")
    assert _jumps(cm) == [("jump to Mon 27 Jan before its opening auction", 390),
                          ("jump to the close, Fri 24 Jan 16:00", 390)]
    cm.step_to(390)
    assert not cm.main.events or all(e[0] == 0 for e in cm.main.events)  # Monday's not yet
    assert _jumps(cm) == [("jump to the close, Mon 27 Jan 16:00", 780)]
    cm.step()  # the opening auction: Monday's news is out
    assert any(e[0] == 1 and e[2] == "deepseek" for e in cm.main.events)
    assert _jumps(cm) == [("jump to the close, Mon 27 Jan 16:00", 780)]
    cm.step_to(3 * 390)
    assert _jumps(cm) == []


def _frames(run, n):
    """The run's frames after its build and each of `n` Steps."""
    f = run.wait(-1, 30)
    while f.card is None or f.busy:
        f = run.wait(f.version, 30)
    out = [f]
    for _ in range(n):
        run.send("step")
        t = f.t
        while f.t == t or f.busy:
            f = run.wait(f.version, 30)
        out.append(f)
    return out


class _Router:
    path, search = "/", ""

    def __init__(self):
        self.pushed = []

    def push(self, url):
        self.pushed.append(url)


@pytest.mark.parametrize("tab", ["prices", "supply network", "who bought and sold", "leverage",
                                 "the book", "events", "settings", "export"])
def test_page_body_renders_every_tab_from_a_frame(tab):
    """The page's one frame-reading part, for the lecturer of a class run: the clock and the
    chart of the frame's minute; the settings name every channel the scenario has (a channel
    added to the model gets its switch) with each slider's value in its label; and no name
    of Mesa's controller is left."""
    import dataclasses

    solara = pytest.importorskip("solara")
    import ipywidgets

    from scenarios.library.scenario import Channels
    from viz.dashboard import app
    from viz.dashboard.hub import Run
    from viz.dashboard.state import RunCard

    run = Run(RunCard("deepseek", 4, SMALL, "supply network off"))
    key = app.VIEW_TABS.get(tab)
    run.want("test", [("book", 1)] if key == ("book",) else [key] if key else [])
    try:
        frames = _frames(run, 3)
        box = {}

        @solara.component
        def Test():
            fr = solara.use_reactive((run, frames[0]))
            box["frame"] = fr
            tabs = [*app.VIEW_TABS, "settings", "export"]
            app.Body(fr, frames[0].card, run, True, True, "class", "", lambda: None,
                     lambda: None, tabs, tab, lambda t: None, 1, lambda s: None, _Router(), "")

        root, rc = solara.render(Test(), handle_error=False)
        box["frame"].set((run, frames[-1]))
        html = " ".join(w.value for w in _widgets(rc, ipywidgets.HTML))
        html += " ".join(str(getattr(w, "label", "")) + " " + str(getattr(w, "children", ""))
                         for w in _widgets(rc, ipywidgets.DOMWidget))
        assert "Fri 24 Jan 09:33" in html and "id='minute'>3<" in html
        for mesa_name in ("Play Interval", "Render Interval", "Use Threads", "Page 0",
                          "Information", "Step:"):
            assert mesa_name not in html
        images = _widgets(rc, ipywidgets.Image)
        if key is not None:
            want = frames[-1].pngs[("book", 1) if key == ("book",) else key]
            assert [im.value for im in images] == [want]
        if tab == "settings":
            for f in dataclasses.fields(Channels):
                assert f"channel {f.name.replace('_', ' ')}: on" in html
            import re

            labels = re.findall(r"(deepseek: size|leveraged funds' limit \(x equity\)|"
                                r"noise / retail traders): ([-0-9.]+)", html)
            sc = frames[-1].card.build()
            news = next(s for s in sc.shocks if s.name == "deepseek")
            assert dict(labels) == {
                "deepseek: size": f"{news.size:.3g}",
                "leveraged funds' limit (x equity)":
                    f"{sc.population.leveraged.leverage_limit:.3g}",
                "noise / retail traders": "300"}
        rc.close()
    finally:
        run.close()
        assert run.join(30)


def _widgets(rc, cls):
    """The widgets of type `cls` under a solara.render context's container."""
    found, todo = [], [rc.container]
    while todo:
        w = todo.pop()
        if isinstance(w, cls):
            found.append(w)
        for c in getattr(w, "children", ()) or ():
            if hasattr(c, "model_id"):
                todo.append(c)
    return found


@pytest.mark.parametrize("view", [("prices",), ("book", 1), ("network",), ("motives",),
                                  ("leverage",)])
def test_chart_updated_in_place_draws_what_a_fresh_chart_draws(view):
    """A chart kept across steps (background reused, moving artists repainted) gives the same
    pixels as the same chart with its background drawn afresh, and (where its axes keep no
    history: the book's and the motives' axes move in steps) as a chart built from scratch at
    the same minute; and a step changes them."""
    from viz.dashboard import charts
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 6, SMALL, "no shock")
    kept = charts.chart(cm, *view)
    before = kept.render()
    for _ in range(45):
        cm.step()
        kept.render()
    now = kept.render()
    kept._key = None  # the next render draws the background again
    np.testing.assert_array_equal(now, kept.render())
    if view[0] not in ("book", "motives"):
        fresh = charts.VIEWS[view[0]](cm, *view[1:]).render()
        np.testing.assert_array_equal(now, fresh)
    assert not np.array_equal(now, before)
    assert charts.png(cm, *view)[:4] == b"\x89PNG"


def test_a_step_from_another_thread_waits_for_a_render_to_read_its_minute():
    """Mesa's Play steps in a thread while the page renders. Here a step is started in the
    middle of the price chart's update (after it read the run, before the twin): it must wait
    until the update has read every series, so the chart shows run and twin at one minute."""
    import threading

    from viz.dashboard import charts
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 8, SMALL, "fire sales off")
    for _ in range(30):
        cm.step()
    kept = charts.chart(cm, "prices")
    real = cm.rel_paths
    stepper = []

    def rel_paths(model=None):
        out = real(model)
        if not stepper:  # the first read: step from another thread, give it time to finish
            stepper.append(threading.Thread(target=cm.step))
            stepper[0].start()
            stepper[0].join(timeout=0.5)
        return out

    cm.rel_paths = rel_paths
    kept.render()  # without the lock the twin is read a minute later: shapes differ
    stepper[0].join()
    cm.rel_paths = real
    assert cm.t == 31
    assert len(kept.lines[0][0].get_xdata()) == len(kept.lines[0][1].get_xdata()) == 30


@pytest.mark.parametrize("argv, field", [
    (["--port", "80"], "--port"), (["--port", "x"], "--port"), (["--host", "example"], "--host"),
    (["--scenario", "nope"], "--scenario"), (["--card", "/nonexistent/card.json"], "--card")])
def test_dashboard_bad_input_exits_2_naming_the_field(argv, field, capsys):
    from scenarios.cli import main

    assert main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0] and "Traceback" not in err[0]


def test_other_commands_never_import_the_dashboard():
    import subprocess
    import sys

    code = ("import sys; from scenarios.cli import main; main(['scenarios']); "
            "print(any(m.startswith(('mesa.visualization', 'solara', 'viz.dashboard')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "False"


def test_every_channel_of_the_model_has_a_twin():
    """The twins come from the scenario's Channels, field by field: a channel the model gains
    gets its twin (and its switch) without a list to edit."""
    import dataclasses

    from scenarios.library.scenario import Channels
    from viz.dashboard.state import TWINS

    offs = {tuple(v) for v in TWINS.values() if v}
    assert offs == {(f"channels.{f.name}=false",) for f in dataclasses.fields(Channels)}
    assert TWINS["supply network off"] == ["channels.fundamental=false"]
    assert TWINS["no twin"] == [] and TWINS["no shock"] is None


def _wait_frame(run, cond, seconds=60.0):
    f = run.frame
    import time

    t = time.monotonic()
    while not cond(f):
        assert time.monotonic() - t < seconds, f"no such frame; last: {f}"
        f = run.wait(f.version, 1.0)
    return f


def test_reset_to_this_minute_is_the_new_settings_stepped_from_the_start():
    """Reset keeps the minute: the run is built again with the new settings and stepped back
    to where it was, so its bars are those of the new settings stepped from scratch."""
    from viz.dashboard.hub import Run
    from viz.dashboard.state import ClassroomModel, RunCard, card_with

    run = Run(RunCard("deepseek", 6, (*SMALL, "days=2"), "no twin"))
    try:
        _wait_frame(run, lambda f: f.card is not None and not f.busy)
        run.send("jump", target=400)
        f = _wait_frame(run, lambda f: f.t == 400 and not f.busy)
        new = card_with(f.card, {"shocks.deepseek.size": -0.5})
        assert new.overrides[-1] == "shocks.deepseek.size=-0.5"
        run.send("reset", card=new, keep=True)
        assert run.card == new  # at once: a page reloaded meanwhile finds this run
        seen = []
        f = _wait_frame(run, lambda f: seen.append(f.busy) or (f.card == new and not f.busy))
        assert f.t == 400 and any("stepping the new run to Mon 27 Jan" in b for b in seen if b)
        fresh = ClassroomModel(new.scenario, new.seed, new.overrides, new.twin)
        fresh.step_to(400)
        np.testing.assert_array_equal(run.model.main.bars[:400], fresh.main.bars[:400])
        old = ClassroomModel("deepseek", 6, (*SMALL, "days=2"), "no twin")
        old.step_to(400)
        assert not np.array_equal(old.main.bars[:400], fresh.main.bars[:400])
    finally:
        run.close()
        assert run.join(30)


def test_hub_caps_own_runs_and_frees_a_run_when_its_page_goes():
    """Beyond the places, a page is told the server is busy; a page that goes away stops its
    run's thread and the run is freed (nothing keeps the model: Mesa 3.3's Agent._ids would);
    the class run stops playing when its last page goes."""
    import gc
    import weakref

    from viz.dashboard.hub import Busy, Hub
    from viz.dashboard.state import RunCard

    card = RunCard("deepseek", 7, (*SMALL, "days=2"), "supply network off")
    hub = Hub(places=1)
    try:
        mine = hub.own_run("a", card)
        hub.attach("a", mine, [("prices",)])
        with pytest.raises(Busy, match="busy: its 1 own run is taken"):
            hub.own_run("b", card)
        f = _wait_frame(mine, lambda f: f.card is not None and not f.busy)
        assert ("prices",) in f.pngs
        mine.send("speed", value=0)
        mine.send("play")
        _wait_frame(mine, lambda f: f.playing and f.t > 5)
        model = weakref.ref(mine.model)
        twin = weakref.ref(mine.model.twin_model)
        hub.detach("a")  # the page went away
        assert mine.join(30), "the run's thread is still going"
        gc.collect()
        assert model() is None and twin() is None
        assert hub.own_run("b", card) is not None  # the place is free again
        hub.detach("b")
        cls = hub.open_class_run(card)
        hub.attach("p", cls, [("prices",)])
        hub.attach("q", cls, [("network",)])
        _wait_frame(cls, lambda f: f.card is not None and not f.busy)
        assert hub.open_class_run(card) is cls  # the lecturer's page reloaded: the same run
        cls.send("speed", value=0)
        cls.send("play")
        _wait_frame(cls, lambda f: f.playing and f.t > 2 and f.viewers == 2)
        hub.detach("p", cls)
        assert cls.frame.playing
        hub.detach("q", cls)
        _wait_frame(cls, lambda f: not f.playing)
    finally:
        hub.close()


def test_a_run_in_its_own_process_steps_exports_and_ends_with_its_process():
    from viz.dashboard.hub import RemoteRun
    from viz.dashboard.state import RunCard

    run = RemoteRun(RunCard("deepseek", 3, (*SMALL, "days=2"), "no twin"))
    try:
        run.want("page", [("prices",)])
        f = _wait_frame(run, lambda f: f.card is not None and not f.busy, 120)
        assert f.viewers == 1 and ("prices",) in f.pngs
        run.send("step")
        run.send("step")
        f = _wait_frame(run, lambda f: f.t == 2)
        csv = run.request("bars_csv").decode().splitlines()
        assert csv[0].startswith("timestamp,ticker,open") and len(csv) == 1 + 2 * 4
        assert run.request("prices_png")[:4] == b"\x89PNG"
    finally:
        run.close()
        assert run.join(60)
    assert run.proc.returncode == 0 and run.frame.closed and not run.frame.error


def _overlaps(boxes) -> list:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1]


@pytest.mark.parametrize("scenario, sets", [
    ("deepseek", ()), ("jevons", ()),  # 15 days
    ("deepseek", ("days=40",)), ("abides_rmsc04", ()),  # one stock, one day
    ("deepseek", ('tickers=["NVDA","AMD","AVGO","MRVL","ARM","INTC","QCOM","TSM","MSFT"]',))])
@pytest.mark.parametrize("view", [("prices",), ("network",), ("motives",), ("leverage",),
                                  ("book", 0)])
def test_nothing_in_a_chart_is_cut_or_overlaps(scenario, sets, view):
    """Every text of a view (titles, legends, tick labels, node labels) lies inside its
    picture, and no two tick labels of an axis touch (the 15-day runs' day names did)."""
    from viz.dashboard import charts
    from viz.dashboard.state import ClassroomModel

    small = [s for s in SMALL if not s.startswith("tickers=") and not s.startswith("days=")]
    if scenario == "abides_rmsc04":
        small = []
    cm = ClassroomModel(scenario, 1, (*small, *sets), "supply network off")
    cm.step_to(12)
    fig = charts.chart(cm, *view).figure()
    r = fig.canvas.get_renderer()
    box = fig.bbox
    ticks = {id(t) for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())}
    drawn = [t for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for t in _drawn_tick_labels(axis)]
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text")
                                    and hasattr(a, "get_window_extent"))
             if id(t) not in ticks] + drawn
    texts = [t for t in texts if t.get_visible() and t.get_text().strip()]
    assert texts
    for t in texts:
        e = t.get_window_extent(r)
        assert e.x0 >= box.x0 - 1 and e.x1 <= box.x1 + 1 and e.y0 >= box.y0 - 1 and \
            e.y1 <= box.y1 + 1, f"{t.get_text()!r} is cut: {e} outside {box}"
    for ax in fig.axes:
        labels = [t for t in _drawn_tick_labels(ax.xaxis) if t.get_text()]
        assert not _overlaps([t.get_window_extent(r) for t in labels]), [
            t.get_text() for t in labels]


def _drawn_tick_labels(axis):
    """The tick labels an axis draws: those of ticks inside its view interval."""
    lo, hi = sorted(axis.get_view_interval())
    return [t.label1 for t in axis.get_major_ticks()
            if lo <= t.get_loc() <= hi and t.label1.get_visible()]


def _descendants(pid: int) -> list[int]:
    """`pid`'s descendants now (Linux /proc)."""
    import os

    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for q, pp in parents.items():
            if pp == p and q not in out:
                out.append(q)
                todo.append(q)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_dashboard(port: int, log, env=None):
    """`selloff dashboard --port PORT` in a session of its own, its output to `log`; returns
    the process once the page answers (AssertionError with the log if it never does)."""
    import subprocess
    import sys
    import time
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", "dashboard", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    for _ in range(480):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read(10)
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    proc.kill()
    raise AssertionError("dashboard did not answer: " + open(log.name).read()[-2000:])


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_stopping_the_dashboard_stops_every_process_it_started(how, tmp_path):
    """SIGTERM to `selloff dashboard`, or Ctrl-C (SIGINT to its process group, as a terminal
    sends it): the command exits, no process it started is left, and the port is free."""
    import os
    import signal

    pytest.importorskip("solara")
    from viz.dashboard import port_free

    port = free_port()
    with open(tmp_path / "server.log", "w") as log:
        proc = start_dashboard(port, log)
    kids = _descendants(proc.pid)
    assert kids, "the command started no server"
    try:
        if how == "SIGTERM":
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(60)
        left = [p for p in kids if _alive(p)]
    finally:
        for p in [proc.pid, *kids]:  # whatever happens, the test leaves nothing behind
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    assert code == 0
    assert not left, f"processes left running: {left}"
    assert port_free("127.0.0.1", port)
