"""The classroom dashboard without a browser: run cards, lockstep twin, same bars as `run`,
and the page's components rendered with solara.render."""

import dataclasses
import json

import numpy as np
import pytest

from agents.params import apply_overrides
from scenarios.catalog import get_scenario
from scenarios.model import MINUTES
from scenarios.recording import VOLUME
from scenarios.run import run

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
    assert (size.lo, size.hi, size.value) == (-0.5, 0.5, -0.05)
    assert {"shocks.deepseek.reach", "shocks.deepseek.spread_per_hour",
            "shocks.deepseek.jevons_share", "population.noise.count"} <= set(knobs)


def test_dashboard_run_gives_the_same_bars_as_selloff_run():
    """The page's way (card -> ClassroomModel, stepped to the close) against scenarios.run."""
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
    assert res.bars[..., VOLUME].sum() > 0


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
    sold = cm.sold_by_motive()
    assert sum(sold.values()) > 0 and "forced" in sold
    assert cm.last_trades(0, 3)[0][0] <= 29
    assert cm.moves().shape == (4,)


@pytest.fixture(scope="module")
def stepped():
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 4, SMALL, "supply network off")
    for _ in range(70):
        cm.step()
    return cm


@pytest.mark.parametrize("name", ["RunPanel", "PriceView", "BookView", "NetworkView",
                                  "MotiveView", "LeverageView", "EventsView"])
def test_components_render(stepped, name):
    solara = pytest.importorskip("solara")
    from viz.dashboard import app

    box, rc = solara.render(getattr(app, name)(stepped), handle_error=False)
    assert box is not None
    rc.close()


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


def test_page_model_params_cover_the_lesson(stepped):
    pytest.importorskip("solara")
    from viz.dashboard.app import model_params_for

    p = model_params_for(stepped.card)
    assert p["seed"]["type"] == "SliderInt"  # a text seed crashes Mesa 3.3's Reset
    assert p["shocks.deepseek.size"]["min"] == -0.5
    # a switch per channel the scenario has, the crash mechanisms' too
    assert {f"channels.{c}" for c in ("fundamental", "informational", "fire_sale", "liquidity",
                                      "arbitrage_limits", "crowding", "fund_flows")} <= set(p)


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
