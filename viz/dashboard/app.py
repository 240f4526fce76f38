"""The classroom page: Mesa's SolaraViz around a ClassroomModel (run + twin in lockstep).

Served by ``selloff dashboard`` (``solara run viz.dashboard.app``). The URL names the run:
``/?scenario=deepseek&seed=3&set=shocks.deepseek.size=-0.3`` (``twin=`` picks the twin). The
model is built per browser session (``solara.use_memo`` on the URL), never at import.
"""

from __future__ import annotations

import dataclasses
import os
import random

import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz as _sv
from mesa.visualization.utils import force_update, update_counter

from scenarios.catalog import SCENARIOS
from viz.dashboard import charts
from viz.dashboard.lessons import lesson_for
from viz.dashboard.state import (
    TWINS,
    CardError,
    ClassroomModel,
    card_from_query,
    card_to_query,
    clock_text,
    lesson_knobs,
)

__all__ = ["Page", "model_params_for", "RunPanel", "PriceView", "BookView", "NetworkView",
           "MotiveView", "LeverageView", "EventsView"]

#: steps per redraw, while playing and per press of Step (Mesa 3.3's Step runs this many
#: steps): 1, so Step is one simulated minute. A redraw of every view takes ~0.1 s CPU (the
#: charts are updated in place), a step of run and twin ~0.02 s, so the Monday plays in about
#: a minute at full speed (benchmarks/bench_dashboard.py); a teacher raises the Render
#: interval slider for a faster replay in coarser strides
RENDER_INTERVAL = 1
#: pause between Play's steps (ms): at 1 ms, with a small world's millisecond steps, the play
#: thread left the page no time to render after a Step (the run went to its end with the
#: chart frozen: seen in Chromium); 30 ms keeps it drawing and costs the Monday about 12 s
PLAY_INTERVAL_MS = 30


def model_params_for(card) -> dict:
    """SolaraViz's model_params for a run card: fixed preset/overrides, seed and twin, a slider
    per lesson knob (range from the field's spec) and a switch per contagion channel."""
    sc = card.build()
    p = {
        "preset": card.scenario,
        "overrides": card.overrides,
        "seed": {"type": "SliderInt", "value": int(card.seed), "label": "seed",
                 "min": 0, "max": max(999, int(card.seed)), "step": 1},
        "twin": {"type": "Select", "value": card.twin, "values": list(TWINS),
                 "label": "twin run (same seed)"},
    }
    for k in lesson_knobs(sc):
        if any(o.startswith(k.path + "=") for o in card.overrides):
            continue  # the URL fixed it; the card shows it
        p[k.path] = {"type": "SliderInt" if k.integer else "SliderFloat", "value": k.value,
                     "min": k.lo, "max": k.hi, "step": k.step, "label": k.label}
    for ch in (f.name for f in dataclasses.fields(sc.channels)):  # every channel a switch
        path = f"channels.{ch}"
        if any(o.startswith(path + "=") for o in card.overrides):
            continue
        p[path] = {"type": "Checkbox", "value": bool(getattr(sc.channels, ch)),
                   "label": f"channel on: {ch.replace('_', ' ')}"}
    return p


def _show(model, name: str, *args):
    """View ``name`` of the model's charts (updated in place) as an image scaled to its grid
    cell's width."""
    solara.Image(charts.png(model, name, *args), width="100%")


#: where each view sits on the page (12 columns; rows of ~30 px): the run and the prices first
LAYOUT = [dict(i=0, x=0, y=0, w=4, h=20), dict(i=1, x=4, y=0, w=8, h=20),
          dict(i=2, x=0, y=20, w=6, h=15), dict(i=3, x=6, y=20, w=6, h=15),
          dict(i=4, x=0, y=35, w=4, h=16), dict(i=5, x=4, y=35, w=4, h=16),
          dict(i=6, x=8, y=35, w=4, h=16)]


def _layout(n: int) -> list[dict]:
    return [dict(d, moved=False) for d in LAYOUT[:n]] + [
        dict(i=i, x=0, y=60 + 10 * i, w=6, h=10, moved=False) for i in range(len(LAYOUT), n)]


# Mesa 3.3's grid puts every view in half a row; the classroom wants the price chart wide
_sv.make_initial_grid_layout = _layout


@solara.component
def RunPanel(model: ClassroomModel):
    """The run's name, clock, the lesson, and the buttons Mesa's controller lacks."""
    update_counter.get()
    router = solara.use_router()
    card = model.card
    shown = solara.use_reactive(model.t)

    def to_next_shock():
        model.run_to_next_shock()
        shown.set(model.t)
        force_update()

    def new_seed():
        q = card_to_query(card.__class__(card.scenario, random.randrange(1000),
                                         card.overrides, card.twin))
        router.push(f"{router.path}?{q}")

    def pick(name):
        router.push(f"{router.path}?scenario={name}")

    sets = ", ".join(card.overrides) or "scenario defaults"
    with solara.Card(f"{card.scenario}, seed {card.seed}"):
        _md(f"**{model.sc.description}**  \nsettings: `{sets}`  \n"
                        f"twin: {card.twin}  \n"
                        f"<span id='clock' style='font-size:1.6em'>"
                        f"{clock_text(model.sc.start_date, model.sc.days, model.t)}</span> "
                        f"(minute <span id='minute'>{model.t}</span>)  \n"
                        "<span id='slider-note'>The sliders and channel switches on the left "
                        "apply at the next **Reset**: the run starts again from the first "
                        "open with them (the settings above name what is running).</span>")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Select("preset", value=card.scenario, values=list(SCENARIOS), on_value=pick)
            solara.Button("new seed", on_click=new_seed, color="secondary")
            solara.Button("run to the next shock", on_click=to_next_shock, color="primary",
                          disabled=model.next_shock() is None or not model.running)
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(lambda: _bars_csv(model), filename=_stem(model) + "-bars.csv",
                                label="bars (CSV)")
            solara.FileDownload(lambda: charts.png(model, "prices"),
                                filename=_stem(model) + "-prices.png", label="chart (PNG)")
            solara.FileDownload(card.to_json(), filename=_stem(model) + "-card.json",
                                label="run card (JSON)")
        _md(f"link to this run: <span style='word-break: break-all'>"
                        f"/?{card_to_query(card)}</span>")
        _md(lesson_for(card.scenario))


def _md(text: str):
    """Markdown rendered here to HTML: Solara's Markdown component loads KaTeX from the asset
    folder on every page, and the offline asset set (solara-assets) does not carry it."""
    import markdown

    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]),
                style={"font-size": "16px"})


def _stem(model) -> str:
    return f"{model.card.scenario}-seed{model.card.seed}"


def _bars_csv(model) -> bytes:
    """The minute bars stepped so far as CSV (the bars.parquet columns)."""
    from scenarios.calendar import trading_dates
    from scenarios.run import RunResult, bars_frame

    with model.lock:  # as of one minute: Play may be stepping in another thread
        m = model.main
        t = model.t
        days_done = max(1, -(-t // 390))
        res = RunResult(scenario=model.sc, seed=model.card.seed,
                        dates=trading_dates(model.sc.start_date, model.sc.days)[:days_done],
                        tickers=m.tickers, roles=m.roles, prev_close=m.prev_close0,
                        daily=m.daily[:days_done].copy(),
                        bars=m.bars[: days_done * 390].copy(),
                        motive_volume=m.motive_volume, events=list(m.events), statements={},
                        halts=list(m.halts), decisions=0, orders=0, wall_s=0.0)
    df = bars_frame(res).iloc[: t * len(m.tickers)]
    return df.to_csv(index=False).encode()


@solara.component
def PriceView(model: ClassroomModel):
    """Price paths by role, the twin dotted over them, and the difference."""
    update_counter.get()
    _show(model, "prices")


@solara.component
def BookView(model: ClassroomModel):
    """One stock's book and its last minutes of trading."""
    update_counter.get()
    tickers = list(model.main.tickers)
    pick, set_pick = solara.use_state(tickers[0])
    if pick not in tickers:
        pick = tickers[0]
    j = tickers.index(pick)
    solara.Select("stock", value=pick, values=tickers, on_value=set_pick)
    _show(model, "book", j)
    rows = model.last_trades(j, 8)
    lines = "\n".join(f"| {clock_text(model.sc.start_date, model.sc.days, g + 1)} | "
                      f"{c / 100:.2f} | {v:,} |" for g, c, v in rows)
    _md("| minute | last price ($) | shares |\n|---|---|---|\n" + lines)


@solara.component
def NetworkView(model: ClassroomModel):
    """The page's view of the supply network, each firm coloured by its move."""
    update_counter.get()
    _show(model, "network")


@solara.component
def MotiveView(model: ClassroomModel):
    """The page's view of who sold and why: volume by motive, forced sales apart."""
    update_counter.get()
    _show(model, "motives")


@solara.component
def LeverageView(model: ClassroomModel):
    """The page's view of leveraged funds' leverage against their limits."""
    update_counter.get()
    _show(model, "leverage")


@solara.component
def EventsView(model: ClassroomModel):
    """The events so far: shocks as they fired, what the firms said, halts."""
    update_counter.get()
    lines = model.event_lines()
    text = "\n".join(f"- {x}" for x in lines[-14:]) or "- nothing yet: press Step or Play"
    _md("### events so far\n" + text)


COMPONENTS = [RunPanel, PriceView, NetworkView, MotiveView, LeverageView, BookView, EventsView]


@solara.component
def Page():
    """The classroom page for the run the URL names (default: $SELLOFF_DASHBOARD_SCENARIO)."""
    router = solara.use_router()
    query = router.search or ""
    default = os.environ.get("SELLOFF_DASHBOARD_SCENARIO", "deepseek")
    try:
        card = card_from_query(query, default)
    except CardError as e:
        solara.Error(f"this link does not name a run: {e}")
        return
    model = solara.use_memo(lambda: ClassroomModel(card.scenario, card.seed, card.overrides,
                                                   card.twin), [query])
    SolaraViz(model, components=[(c, 0) for c in COMPONENTS],
              model_params=model_params_for(card), name=f"selloff classroom: {card.scenario}, "
              f"seed {card.seed}", play_interval=PLAY_INTERVAL_MS,
              render_interval=RENDER_INTERVAL).key(query)
