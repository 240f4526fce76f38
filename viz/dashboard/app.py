"""The classroom page: a Solara page around the server's runs (viz.dashboard.hub).

Served by ``selloff dashboard`` (``solara run viz.dashboard.app``). The URL names the run:
``/?scenario=deepseek&seed=3&set=shocks.deepseek.size=-0.3`` (``twin=`` picks the twin). The
lecturer's link adds ``lecturer=CODE`` (the code ``selloff dashboard`` prints): that page
drives the class run, which every other page watches live; any page may start a run of its
own (up to the server's places) and drive that. The page never steps a model or draws a chart
itself: it sends commands to its run's thread and shows the run's latest frame, so a page
waiting for a long command says what is under way, and thirty pages cost one run.

Laid out for a 1280x720 projector: a header with the run and its clock, a left column with the
controls, the lesson and (folded) the settings and exports, and the views in tabs beside it.
Mesa's SolaraViz frame is not used (its controls carry Mesa's names and step the model in the
page's own thread); the run is still a Mesa model (viz.dashboard.state.ClassroomModel).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import os
import random
import uuid
import weakref

import ipyvue
import solara
import traitlets

from scenarios.library.catalog import SCENARIOS
from viz.dashboard.hub import FRAME_S, SPEEDS, WATCH_S, Busy, Frame, get_hub
from viz.dashboard.lessons import lesson_for
from viz.dashboard.state import (
    TWINS,
    CardError,
    RunCard,
    card_from_query,
    card_to_query,
    card_with,
    clock_text,
    lesson_knobs,
)

__all__ = ["Page", "Body", "lecturer_code", "VIEW_TABS", "Watchdog"]

#: the views' tabs: label -> view key (None: text, no chart)
VIEW_TABS = {"prices": ("prices",), "supply network": ("network",),
             "who bought and sold": ("motives",), "leverage": ("leverage",),
             "the book": ("book",), "events": None}

CSS = """
.selloff-root { height: calc(100vh - 34px); display: flex; flex-direction: column;
  font-size: 15px; overflow: hidden; }
.selloff-head { display: flex; align-items: baseline; gap: 18px; padding: 4px 10px;
  border-bottom: 1px solid #ddd; flex: 0 0 auto; white-space: nowrap; overflow: hidden; }
.selloff-head .run { font-size: 17px; font-weight: 600; overflow: hidden;
  text-overflow: ellipsis; }
.selloff-head .clock { font-size: 24px; font-weight: 700; }
.selloff-head .status { font-size: 15px; color: #333; overflow: hidden;
  text-overflow: ellipsis; }
.selloff-body { display: flex; flex: 1 1 auto; min-height: 0; }
.selloff-left { flex: 0 0 330px; width: 330px; overflow-y: auto; padding: 6px 8px;
  border-right: 1px solid #ddd; }
.selloff-main { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column;
  padding: 0 6px; }
.selloff-main .v-tabs { flex: 0 0 auto; }
.selloff-view { flex: 1 1 auto; min-height: 0; overflow: auto; }
.selloff-view img.solara-image { max-width: 100%; max-height: calc(100vh - 104px);
  width: auto; height: auto; display: block; }
.selloff-root .v-btn { text-transform: none; letter-spacing: 0; font-size: 15px; }
.selloff-channels { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr));
  column-gap: 12px; }
.selloff-channels .v-input { margin-top: 0; padding-top: 0; }
.selloff-main .v-tab { text-transform: none; letter-spacing: 0; font-size: 15px; }
.selloff-lesson h3 { font-size: 16px; margin: 6px 0 2px 0; }
.selloff-lesson ol { padding-left: 20px; margin: 0; }
.selloff-lesson li { margin-bottom: 3px; line-height: 1.3; }
.selloff-busy { background: #fff3cd; border: 1px solid #e0b300; padding: 4px 8px;
  border-radius: 4px; margin: 4px 0; font-size: 15px; }
.selloff-error { background: #fde2e1; border: 1px solid #b00020; padding: 4px 8px;
  border-radius: 4px; margin: 4px 0; }
table.selloff-trades { border-collapse: collapse; font-size: 15px; margin-top: 6px; }
table.selloff-trades th, table.selloff-trades td { padding: 3px 12px; border-bottom:
  1px solid #ddd; text-align: right; white-space: nowrap; }
table.selloff-trades th:first-child, table.selloff-trades td:first-child { text-align: left; }
.selloff-events li { margin-bottom: 3px; }
.selloff-left .v-btn.selloff-jump { height: auto !important; min-height: 30px;
  padding: 3px 8px !important; justify-content: flex-start; }
.selloff-left .v-btn.selloff-jump .v-btn__content { white-space: normal; text-align: left;
  flex: 1 1 auto; line-height: 1.25; }
"""


#: the class of the buttons that send the run a command: the watchdog expects a frame after
CMD = ["selloff-cmd"]


def lecturer_code() -> str:
    """The code a page's URL must carry (``lecturer=``) to drive the class run: the one
    ``selloff dashboard`` prints ($SELLOFF_DASHBOARD_CODE); empty: every page drives it."""
    return os.environ.get("SELLOFF_DASHBOARD_CODE", "")


def _html(text: str, cls: str = "", style: str | None = None):
    """Markdown (or HTML) rendered here: Solara's Markdown loads KaTeX at run time, which the
    offline asset set (solara-assets) does not carry."""
    solara.HTML(tag="div", unsafe_innerHTML=_markdown(text), classes=[cls] if cls else [],
                style=style)


@functools.lru_cache(maxsize=512)
def _markdown(text: str) -> str:
    """`text` (Markdown) as HTML; kept, since a page redraws its parts with every frame."""
    import markdown

    return markdown.markdown(text, extensions=["tables"])


class WatchdogWidget(ipyvue.VueTemplate):
    """A banner the browser shows by itself when the server has not answered for a while:
    more than 3 s after a click on a button that sends the run a command (class selloff-cmd:
    each is answered by a new frame), or while the page expects frames (playing, or a long
    command under way) and none has come for `expect_ms`. `beat` changes with every frame the
    page receives."""

    template = traitlets.Unicode("""
<template>
  <div v-if="stale" id="waiting" style="position: fixed; left: 50%; bottom: 14px;
       transform: translateX(-50%); z-index: 2000; background: #b00020; color: white;
       padding: 8px 18px; border-radius: 6px; font-size: 17px;">
    Waiting for the server: nothing new for {{ waited }} s. It is busy (many pages or a long
    step); this page catches up by itself.
  </div>
</template>
<script>
module.exports = {
  data() { return { seen: Date.now(), clicked: 0, now: Date.now() } },
  computed: {
    waited() { return Math.round((this.now - Math.max(this.seen, this.clicked || 0)) / 1000) },
    stale() {
      const quiet = this.now - this.seen;
      const click = this.clicked > this.seen && this.now - this.clicked > 3000;
      return click || (this.expect_ms > 0 && quiet > this.expect_ms);
    },
  },
  watch: { beat() { this.seen = Date.now(); this.clicked = 0; } },
  mounted() {
    this.timer = setInterval(() => { this.now = Date.now(); }, 500);
    this.onclick = (e) => {
      // only the buttons that send the run a command (each answered by a new frame)
      if (e.target.closest && e.target.closest('.selloff-cmd')) { this.clicked = Date.now(); }
    };
    document.addEventListener('click', this.onclick, true);
  },
  destroyed() {
    clearInterval(this.timer);
    document.removeEventListener('click', this.onclick, true);
  },
}
</script>
""").tag(sync=True)
    beat = traitlets.Int(0).tag(sync=True)
    expect_ms = traitlets.Int(0).tag(sync=True)


@solara.component
def Watchdog(version: int, expect_ms: int):
    """The page's watchdog (WatchdogWidget), fed by its run's frames."""
    WatchdogWidget.element(beat=version, expect_ms=expect_ms)


def _kernel_alive():
    """A check that the page's browser session still exists (for the hub's janitor), holding
    no reference to the session."""
    try:
        from solara.server import kernel_context

        ref = weakref.ref(kernel_context.get_current_context())
    except Exception:  # solara.render in a test: no server session
        return None

    def alive() -> bool:
        ctx = ref()
        return ctx is not None and not ctx.closed_event.is_set()

    return alive


@solara.component
def Page():
    """The classroom page for the run the URL names (default: $SELLOFF_DASHBOARD_SCENARIO).

    The page holds which run it shows and a thread that takes the run's frames; `Body` is the
    one part that reads the frame, and hands plain values down, so a new frame redraws only
    what changed in it (a page's share of the server per frame stays a few ms)."""
    solara.Style(CSS)
    router = solara.use_router()
    query = router.search or ""
    default = os.environ.get("SELLOFF_DASHBOARD_SCENARIO", "deepseek")
    try:
        card = card_from_query(query, default)
    except CardError as e:
        solara.Title("selloff classroom: a link that names no run")
        solara.Error(f"This link does not name a run: {e}")
        return
    code = lecturer_code()
    from urllib.parse import parse_qs

    given = parse_qs(query.lstrip("?")).get("lecturer", [""])[-1]
    lecturer = not code or given == code
    viewer = solara.use_memo(lambda: uuid.uuid4().hex, [])
    alive = solara.use_memo(_kernel_alive, [])
    hub = get_hub()
    mode, set_mode = solara.use_state("class")  # "class": the projector's run; "own"
    own, set_own = solara.use_state(None)
    notice, set_notice = solara.use_state("")
    generation, set_generation = solara.use_state(0)  # bumps when the class run is replaced
    opened = solara.use_ref(None)  # the query this (lecturer's) page last opened a run for

    def pick():
        if mode == "own" and own is not None and not own.closed:
            return own
        if lecturer and (opened.current != query or hub.current_class_run() is None):
            # a lecturer's link opens its run; after that the page follows the class run
            # (another lecturer's page may have opened another: no tug of war)
            opened.current = query
            return hub.open_class_run(card)
        return hub.current_class_run()

    run = solara.use_memo(pick, [query, mode, own, generation, lecturer])
    frame = solara.use_reactive((None, Frame()))  # (the run it is of, its latest frame)
    tab, set_tab = solara.use_state("prices")
    stock, set_stock = solara.use_state(0)
    drives = run is not None and (run.kind == "own" or lecturer)

    def keys():
        k = VIEW_TABS.get(tab)
        if k is None:
            return []
        return [("book", int(stock))] if k == ("book",) else [k]

    def attach():
        if run is None:
            return None
        hub.attach(viewer, run, keys(), alive)
        return lambda: hub.detach(viewer, run)

    solara.use_effect(attach, [run])
    solara.use_effect(lambda: run.want(viewer, keys()) if run is not None else None,
                      [run, tab, stock])

    def gone():
        return lambda: hub.detach(viewer)  # the page went away: its own run is freed

    solara.use_effect(gone, [])

    def follow(cancel):
        if run is None:
            return
        seen = -1
        while not cancel.is_set():
            f = run.wait(seen, 1.0)
            if f.version == seen or cancel.is_set():
                continue
            seen = f.version
            frame.set((run, f))
            if f.closed:
                if run.kind == "class":
                    set_generation(lambda g: g + 1)  # the lecturer opened another run
                else:
                    set_mode("class")
                return
            cancel.wait(_refresh_s(f, drives))

    solara.use_thread(follow, dependencies=[run], intrusive_cancel=False)

    def own_run():
        try:
            r = hub.own_run(viewer, card)
        except Busy as e:
            set_notice(str(e))
            return
        set_notice("")
        set_own(r)
        set_mode("own")

    def back_to_class():
        hub.drop_own(viewer)
        set_own(None)
        set_mode("class")

    tabs = list(VIEW_TABS) + (["settings", "export"] if drives else [])
    Body(frame, card, run, drives, lecturer, mode, notice, own_run, back_to_class, tabs,
         tab if tab in tabs else "prices", set_tab, stock, set_stock, router, code)


def _refresh_s(f: Frame, drives: bool) -> float:
    """How often a page takes a new frame: the projector's and an own run's page every
    FRAME_S, a page watching the class run less often the more pages watch it."""
    return FRAME_S if drives else max(FRAME_S, WATCH_S * max(1, f.viewers))


@solara.component
def Body(frame: solara.Reactive, card: RunCard, run, drives: bool, lecturer: bool, mode: str,
         notice: str, own_run, back_to_class, tabs: list, tab: str, set_tab, stock: int,
         set_stock, router, code: str):
    """The page laid out for a 1280x720 projector, from the run's latest frame."""
    owner, f = frame.value
    if owner is not run:  # the page has just changed runs: nothing of the old one is shown
        f = Frame(busy="opening the run" if run is not None else "", status="")
    c = f.card or card
    solara.Title(f"{c.scenario}, seed {c.seed}" + (f", {f.clock}" if f.clock else "")
                 + ": selloff classroom")
    expect = f.playing or bool(f.busy)
    with solara.Column(classes=["selloff-root"], gap="0px"):
        Header(*_header(f, run, drives))
        with solara.Row(classes=["selloff-body"], gap="0px"):
            with solara.Column(classes=["selloff-left"], gap="4px"):
                if run is None:
                    _html("**No class run yet.** The lecturer's page (the link with "
                          "`lecturer=` that `selloff dashboard` printed) opens it; meanwhile "
                          "you can step a run of your own.")
                if notice:
                    solara.HTML(tag="div", classes=["selloff-busy"],
                                unsafe_innerHTML=f"<span id='notice'>{notice}</span>")
                Controls(run, drives, f.card is not None and not f.closed, f.playing, f.busy,
                         round(f.progress, 2), f.running, f.speed, f.jumps, f.next_shock,
                         f.error)
                with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
                    if mode == "own":
                        solara.Button("back to the class run", on_click=back_to_class,
                                      outlined=True, classes=CMD)
                    else:
                        solara.Button("my own run of this link", on_click=own_run,
                                      outlined=True)
                Lesson(c.scenario)
            with solara.Column(classes=["selloff-main"], gap="0px"):
                with solara.v.Tabs(v_model=tabs.index(tab), height="40px",
                                   on_v_model=lambda i: set_tab(tabs[i])):
                    for name in tabs:
                        solara.v.Tab(children=[name])
                with solara.Column(classes=["selloff-view"], gap="4px"):
                    if tab == "settings":
                        Settings(c, bool(f.busy), run, lecturer and run.kind == "class",
                                 router, code)
                    elif tab == "export":
                        Exports(c, run)
                    elif tab == "events":
                        Events(f.events)
                    elif tab == "the book":
                        Book(f.pngs.get(("book", int(stock))), f.trades.get(int(stock), ()),
                             f.tickers, stock, set_stock, f.start_date, f.days)
                    else:
                        Chart(f.pngs.get(VIEW_TABS[tab]))
    Watchdog(f.version, int(1000 * (3 * _refresh_s(f, drives) + 3.0)) if expect else 0)


def _header(f: Frame, run, drives: bool) -> tuple[str, str, int, str]:
    """(run name, clock, minute, what the run is doing and who watches)."""
    c = f.card
    if c is None:
        name = "no run yet" if run is None else "building the run"
        clock, minute = "", 0
    else:
        name = f"{c.scenario}, seed {c.seed} · twin: {c.twin}"
        clock, minute = f.clock, f.t
    who = ""
    if run is not None:
        who = "the class run" if run.kind == "class" else "your own run"
        if run.kind == "class":
            who += f" · {f.viewers} page{'s' if f.viewers != 1 else ''} watching"
        if not drives:
            who += " · the lecturer drives it"
    return name, clock, minute, f"{f.busy or f.status} · {who}"


@solara.component
def Header(name: str, clock: str, minute: int, status: str):
    """The run's name, its clock and what it is doing."""
    solara.HTML(tag="div", classes=["selloff-head"], unsafe_innerHTML=(
        f"<span class='run' id='run-name'>{name}</span>"
        f"<span class='clock' id='clock'>{clock}</span>"
        f"<span>(minute <span id='minute'>{minute}</span>)</span>"
        f"<span class='status' id='status'>{status}</span>"))


@solara.component
def Lesson(scenario: str):
    """The preset's "predict, run, explain" questions."""
    _html(lesson_for(scenario), "selloff-lesson")


@solara.component
def Controls(run, drives: bool, ready: bool, playing: bool, busy: str, progress: float,
             running: bool, speed: float, jumps: tuple, next_shock, error: str):
    """Step, Play/Pause, the speed, the lecturer's jumps; on a page that watches, what the
    run is doing only."""
    if error:
        _html(error, "selloff-error")
    if busy:
        solara.HTML(tag="div", classes=["selloff-busy"], unsafe_innerHTML=(
            f"<span id='busy'>{busy}</span> ({int(round(100 * progress))}%): every page of "
            "this run waits for it; Pause stops it here."))
    if run is None or not drives:
        return
    with solara.Row(gap="6px"):
        solara.Button("Step one minute", on_click=lambda: run.send("step"), color="primary",
                      disabled=not ready or playing or bool(busy) or not running, classes=CMD)
        if playing or busy:
            solara.Button("Pause", on_click=lambda: run.send("pause"), color="primary",
                          disabled=not ready, classes=CMD)
        else:
            solara.Button("Play", on_click=lambda: run.send("play"), color="primary",
                          disabled=not ready or not running, classes=CMD)
    labels = {s: (f"{s}" if s else "max") for s in SPEEDS}
    solara.Text("speed (simulated minutes a second):")
    solara.ToggleButtonsSingle(value=labels.get(int(speed), "max") if speed else "max",
                               values=list(labels.values()), dense=True, classes=CMD,
                               on_value=lambda v: run.send(
                                   "speed", value=0 if v == "max" else float(v)))
    with solara.Column(gap="2px"):
        off = bool(busy) or not ready or not running
        if next_shock is not None:
            solara.Button("run to the next shock", text=True, color="primary",
                          on_click=lambda: run.send("jump", target=next_shock + 1),
                          disabled=off, classes=["selloff-jump", *CMD])
        for label, target in _merged_jumps(jumps):
            solara.Button(label, text=True, color="primary",
                          on_click=lambda target=target: run.send("jump", target=target),
                          disabled=off, classes=["selloff-jump", *CMD])


def _merged_jumps(jumps) -> list[tuple[str, int]]:
    """The jumps with one button per target minute (the close before the shock day's opening
    auction is one place, named both ways)."""
    out: dict[int, str] = {}
    for label, target in jumps:
        if target in out:
            out[target] = f"{out[target]} ({label.removeprefix('jump to ')})"
        else:
            out[target] = label
    return [(label, t) for t, label in out.items()]


@solara.component
def Chart(png: bytes | None):
    """One view's chart, as the run's thread drew it."""
    if png:
        solara.Image(png)
    else:
        solara.Text("drawing ...")


@solara.component
def Events(events: tuple):
    """The events so far: shocks as they fired, what the firms said, halts."""
    text = "\n".join(f"- {x}" for x in list(events)[-16:]) or "- nothing yet: press Step or Play"
    _html("### events so far\n" + text, "selloff-events")


@solara.component
def Book(png: bytes | None, rows: tuple, tickers: tuple, stock: int, set_stock,
         start_date: str, days: int):
    """One stock's book beside its last minutes of trading (a table, columns apart)."""
    tickers = list(tickers)
    with solara.Row(gap="12px", style={"align-items": "flex-start"}):
        if png:
            solara.Image(png)
        with solara.Column(gap="4px"):
            if tickers:
                solara.Select("stock", value=tickers[min(stock, len(tickers) - 1)],
                              values=tickers, on_value=lambda v: set_stock(tickers.index(v)))
            body = "".join(
                f"<tr><td>{clock_text(start_date, days, g + 1)}</td>"
                f"<td>{c / 100:,.2f}</td><td>{v:,}</td></tr>" for g, c, v in rows)
            solara.HTML(tag="div", unsafe_innerHTML=(
                "<table class='selloff-trades'><thead><tr><th>minute</th>"
                "<th>last price ($)</th><th>shares traded</th></tr></thead>"
                f"<tbody>{body}</tbody></table>"))


@solara.component
def Settings(card: RunCard, busy: bool, run, push_url: bool, router, code: str):
    """The lesson's settings: each applies at the next Reset (from the first open, or stepped
    back to the minute the run is at)."""
    sc = solara.use_memo(card.build, [card])
    pending, set_pending = solara.use_state({})
    error, set_error = solara.use_state("")

    def change(path, value):
        set_pending(lambda p: {**p, path: value})

    def reset(keep: bool):
        try:
            new = card_with(card, {k: v for k, v in pending.items()
                                   if k not in ("seed", "twin", "preset")})
        except CardError as e:
            set_error(str(e))
            return
        set_error("")
        new = dataclasses.replace(new, seed=int(pending.get("seed", new.seed)),
                                  twin=pending.get("twin", new.twin))
        if "preset" in pending and pending["preset"] != card.scenario:
            new = RunCard(pending["preset"], int(pending.get("seed", 0)), (),
                          pending.get("twin", new.twin))
            keep = False
        set_pending({})
        run.send("reset", card=new, keep=keep)
        if push_url:
            router.push(f"{router.path}?{card_to_query(new)}&lecturer={code}" if code
                        else f"{router.path}?{card_to_query(new)}")

    values = {}
    for k in lesson_knobs(sc):
        values[k.path] = pending.get(k.path, _current(sc, k.path, k.value))
    with solara.Row(gap="6px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Button("Reset to this minute", color="primary",
                      on_click=lambda: reset(True), disabled=busy, classes=CMD)
        solara.Button("Reset to the start", color="primary", outlined=True,
                      on_click=lambda: reset(False), disabled=busy, classes=CMD)
        _html("A setting takes effect at a **Reset**: *to this minute* builds the run again "
              "with it and steps it to the minute shown; *to the start* begins again before "
              "the first open.", style="flex: 1 1 300px")
    if error:
        _html(error, "selloff-error")
    if pending:
        _html("<span id='pending'>not applied yet: " + html.escape(", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in pending.items())) + "</span>")
    with solara.Columns([1, 1], gutters_dense=True):
        with solara.Column(gap="0px"):
            solara.Select("preset", value=pending.get("preset", card.scenario),
                          values=list(SCENARIOS), on_value=lambda v: change("preset", v))
            seed = int(pending.get("seed", card.seed))
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.SliderInt(f"seed: {seed}", value=seed, min=0, max=max(999, seed),
                                 on_value=lambda v: change("seed", v))
                solara.Button("new seed", text=True,
                              on_click=lambda: change("seed", random.randrange(1000)))
            solara.Select("twin run (same seed, one thing different)",
                          value=pending.get("twin", card.twin), values=list(TWINS),
                          on_value=lambda v: change("twin", v))
        with solara.Column(gap="0px"):
            for k in lesson_knobs(sc):
                v = values[k.path]
                shown = f"{int(v)}" if k.integer else f"{v:.3g}"
                Slider = solara.SliderInt if k.integer else solara.SliderFloat
                Slider(f"{k.label}: {shown}", value=v, min=k.lo, max=k.hi, step=k.step,
                       on_value=lambda x, p=k.path: change(p, x))
    with solara.Div(classes=["selloff-channels"]):
        for ch in (fl.name for fl in dataclasses.fields(sc.channels)):
            path = f"channels.{ch}"
            on = bool(pending.get(path, getattr(sc.channels, ch)))
            solara.v.Checkbox(label=f"channel {ch.replace('_', ' ')}: {'on' if on else 'off'}",
                              v_model=on, dense=True, hide_details=True,
                              on_v_model=lambda x, p=path: change(p, bool(x)))
    sets = html.escape(", ".join(card.overrides) or "the scenario's own values")
    _html(f"running now: <span id='settings'>{sets}</span>")


def _current(sc, path: str, default):
    """The value of field `path` in scenario `sc` (the card's overrides applied)."""
    from viz.dashboard.state import _leaf

    try:
        return _leaf(sc, path)[0]
    except (StopIteration, KeyError):
        return default


@solara.component
def Exports(card: RunCard, run):
    """The run for grading: minute bars (CSV), the chart (PNG), the run card (JSON)."""
    stem = f"{card.scenario}-seed{card.seed}"
    _html("### export for grading\nThe minute bars stepped so far, the price chart as shown, "
          "and the run card that reloads this run (`selloff dashboard --card FILE`, or "
          "`selloff run` with the same settings).")
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: run.request("bars_csv"), filename=stem + "-bars.csv",
                            label="bars (CSV)")
        solara.FileDownload(lambda: run.request("prices_png"),
                            filename=stem + "-prices.png", label="chart (PNG)")
        solara.FileDownload(card.to_json(), filename=stem + "-card.json",
                            label="run card (JSON)")
    _html(f"link to this run (for students): <span style='word-break: break-all'>"
          f"/?{html.escape(card_to_query(card))}</span>")
