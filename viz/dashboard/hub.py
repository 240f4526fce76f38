"""Who steps what on the classroom server: one class run that every page watches, and a few
runs of the pages' own, each stepped by one thread of its own, its views drawn once a frame and
shared by every page that shows them.

A page never steps a model or draws a chart itself: it sends a command (`Run.send`) and shows
the latest `Frame` (`Run.wait`). So thirty pages watching the projector cost one model stepped
once and each view drawn once a frame, and a page that is waiting for a long command (a jump to
Monday's open, a Reset that steps back to the minute it was at) shows what is under way instead
of freezing. A page's own run is freed when the page goes away (`Hub.detach`); beyond
`Hub.places` own runs, a page is told the server is busy and keeps watching the class run.

No Solara here (tests drive a Run directly); `viz.dashboard.app` is the page.
"""

from __future__ import annotations

import collections
import ctypes
import dataclasses
import gc
import os
import threading
import time
import traceback

from viz.dashboard.state import ClassroomModel, RunCard, clock_text, day_label

__all__ = ["Run", "RemoteRun", "Frame", "Hub", "get_hub", "SPEEDS", "FRAME_S", "Busy"]

#: Play's speeds (simulated minutes a second); 0 is as fast as the server can step and draw
SPEEDS = (1, 2, 5, 10, 0)
#: the shortest time between two frames of a run (s): a run playing faster draws every few
#: minutes (each frame still shows one minute whole); a redraw of a view takes 0.01-0.04 s
FRAME_S = 0.25
#: a page watching a run with many pages refreshes at most every WATCH_S x pages seconds (the
#: projector and a run's owner at FRAME_S): pushing a frame costs the server a few ms a page
WATCH_S = 0.05
#: the class run pauses when no page watches it, and is freed after this many seconds alone
ALONE_S = 60.0


class Busy(Exception):
    """No place for another own run: the message says how many there are and what to do."""


@dataclasses.dataclass(frozen=True)
class Frame:
    """What every page of a run shows at one moment: the run's minute, its status and the
    views drawn at that minute (PNG bytes by view key, e.g. ``("prices",)``, ``("book", 3)``).

    ``version`` grows by one for every new frame; ``busy`` names a long command under way
    (stepping to a minute, building a new run), with ``progress`` in [0, 1].
    """

    version: int = 0
    t: int = 0
    clock: str = ""
    running: bool = True
    playing: bool = False
    speed: float = 5
    status: str = "building the run"
    busy: str = ""
    progress: float = 0.0
    pngs: dict = dataclasses.field(default_factory=dict)
    trades: dict = dataclasses.field(default_factory=dict)
    events: tuple = ()
    card: RunCard | None = None
    tickers: tuple = ()
    start_date: str = ""
    days: int = 0
    jumps: tuple = ()  # (label, target minute) the lecturer can jump to now
    next_shock: int | None = None
    viewers: int = 0
    error: str = ""
    closed: bool = False


def _detached_thread(target, name: str) -> threading.Thread:
    """A daemon thread that belongs to no browser session: Solara gives a thread started from a
    page the page's kernel context, which would keep the page's whole state alive as long as
    the run's thread lives."""
    t = threading.Thread(target=target, name=name, daemon=True)
    t.current_context = None  # solara.server.patch reads this when the thread starts
    return t


def _log(text: str) -> None:
    """One line on the server's output (the lecturer's terminal): runs started and freed."""
    print(f"selloff dashboard: {text}", flush=True)


def release_memory() -> None:
    """Collect cycles and hand freed heap back to the system (glibc keeps freed blocks
    otherwise, and the server's resident size would never come down)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class _Watched:
    """What a run in this process and one in a process of its own share: the pages that show
    it and the wait for its next frame (`cond` guards `_viewers`, `frame` and `_closed`)."""

    @property
    def viewers(self) -> int:
        """How many pages show this run now."""
        with self.cond:
            return len(self._viewers)

    def wait(self, seen: int, timeout: float) -> Frame:
        """The latest frame, waiting up to `timeout` s for one newer than version `seen`."""
        with self.cond:
            self.cond.wait_for(lambda: self.frame.version != seen or self._closed, timeout)
            return self.frame


class Run(_Watched):
    """One ClassroomModel, stepped by its own thread on the commands pages send.

    ``card`` (a RunCard) names the run; ``kind`` is "class" or "own". Commands (`send`):
    ``step`` (one minute), ``play``, ``pause``, ``speed`` (value: minutes a second, 0 as fast
    as it goes), ``jump`` (target: a minute count), ``reset`` (card: the new run's; keep: step
    the new run to the minute the old one was at), ``draw`` (views a page now wants).
    ``card`` is the run's card from the moment a reset is sent.
    """

    def __init__(self, card: RunCard, kind: str = "class", name: str = ""):
        self.card = card
        self.kind = kind
        self.name = name or f"{kind} run"
        self.cond = threading.Condition()
        self.model: ClassroomModel | None = None
        self.frame = Frame()
        self._cmds: collections.deque = collections.deque()
        self._viewers: dict[str, frozenset] = {}
        self._playing = False
        self._speed = 5.0
        self._interrupt = False
        self._closed = False
        self._next_due = 0.0
        self._last_draw = 0.0
        self._thread = _detached_thread(self._loop, f"selloff-{kind}-run")
        self._thread.start()
        _log(f"{self.name} started: {card.scenario}, seed {card.seed}")

    # -- from any thread (the pages) -------------------------------------------------------------

    def send(self, cmd: str, **kw) -> None:
        """Queue a command for the run's thread (see the class docstring); returns at once.
        A ``pause`` also interrupts a long command under way."""
        with self.cond:
            if cmd == "pause":
                self._interrupt = True
            if cmd == "reset":
                self.card = kw["card"]
            self._cmds.append((cmd, kw))
            self.cond.notify_all()

    def want(self, viewer: str, keys) -> None:
        """The views page `viewer` shows now (view keys); a key no page wanted before is drawn
        at once, at the frame's minute."""
        keys = frozenset(keys)
        with self.cond:
            self._viewers[viewer] = keys
            missing = keys - set(self.frame.pngs)
            if missing and self.model is not None:
                self._cmds.append(("draw", {}))
                self.cond.notify_all()

    def forget(self, viewer: str) -> int:
        """Page `viewer` no longer shows this run; return how many pages still do."""
        with self.cond:
            self._viewers.pop(viewer, None)
            return len(self._viewers)

    def close(self) -> None:
        """Stop the run's thread (it frees the model as it ends); returns at once."""
        with self.cond:
            self._closed = True
            self._interrupt = True
            self.cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run's thread to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def request(self, what: str) -> bytes:
        """An export of the run now: "bars_csv" (the minute bars stepped so far) or
        "prices_png" (the price chart); empty before the run is built or after it ends."""
        return _export(self.model, what)

    # -- the run's thread ------------------------------------------------------------------------

    def _loop(self) -> None:
        try:
            self._publish(busy="building the run", progress=0.0)
            self.model = self._build(self.card, keep=0)
            if self._closed:
                return
            self._publish(draw=True)
            while True:
                with self.cond:
                    while not self._closed and not self._cmds and not (
                            self._playing and time.monotonic() >= self._next_due):
                        delay = (self._next_due - time.monotonic()) if self._playing else 1.0
                        self.cond.wait(max(0.001, delay))
                    if self._closed:
                        return
                    cmd, kw = self._cmds.popleft() if self._cmds else ("tick", {})
                    self._interrupt = False
                self._handle(cmd, kw)
        except Exception as e:  # shown on every page of the run, never a silent stop
            traceback.print_exc()
            self._publish(error=f"the run stopped: {type(e).__name__}: {e}")
        finally:
            m, self.model = self.model, None
            if m is not None:
                m.release()
            with self.cond:
                self.frame = dataclasses.replace(self.frame, version=self.frame.version + 1,
                                                 pngs={}, closed=True, playing=False)
                self.cond.notify_all()
            del m
            release_memory()
            _log(f"{self.name} stopped and freed: {self.card.scenario}, seed {self.card.seed}")

    def _stop(self) -> bool:
        return self._closed or self._interrupt

    def _build(self, card: RunCard, keep: int) -> ClassroomModel:
        """A new model of `card`, stepped to minute `keep` (progress shown meanwhile)."""
        m = ClassroomModel(card.scenario, card.seed, card.overrides, card.twin)
        if keep > 0:
            label = f"stepping the new run to {clock_text(m.sc.start_date, m.sc.days, keep)}"
            self._step_to(m, keep, label)
        return m

    def _step_to(self, m: ClassroomModel, target: int, label: str) -> None:
        last = [0.0]
        total = max(1, target - m.t)

        def progress(done, _n):
            now = time.monotonic()
            if now - last[0] >= 0.5:  # the pages see it move twice a second
                last[0] = now
                self._publish(busy=f"{label}: {done} of {total} minutes", progress=done / total)

        self._publish(busy=f"{label}: 0 of {total} minutes", progress=0.0)
        m.step_to(target, progress=progress, stop=self._stop)

    def _handle(self, cmd: str, kw: dict) -> None:
        m = self.model
        if cmd == "tick":
            t0 = time.monotonic()
            m.step()
            if not m.running:
                self._playing = False
            speed = self._speed
            self._next_due = t0 + (1.0 / speed if speed else 0.005)
            if not self._playing or time.monotonic() - self._last_draw >= FRAME_S:
                self._publish(draw=True)
        elif cmd == "step":
            self._playing = False
            for _ in range(int(kw.get("n", 1))):
                m.step()
            self._publish(draw=True)
        elif cmd == "play":
            self._playing = m.running
            self._next_due = time.monotonic()
            self._publish()
        elif cmd == "pause":
            self._playing = False
            self._publish(draw=True)
        elif cmd == "speed":
            self._speed = float(kw["value"])
            self._next_due = time.monotonic()
            self._publish()
        elif cmd == "jump":
            self._playing = False
            target = int(kw["target"])
            when = clock_text(m.sc.start_date, m.sc.days, target)
            self._step_to(m, target, f"stepping to {when}")
            self._publish(draw=True)
        elif cmd == "reset":
            self._playing = False
            keep = m.t if kw.get("keep") else 0
            self._publish(busy="building a new run with these settings", progress=0.0)
            new = self._build(kw["card"], keep)
            if self._closed:
                new.release()
                return
            old, self.model = self.model, new
            old.release()
            del old
            self._publish(draw=True)
            release_memory()
        elif cmd == "draw":
            self._publish(draw=True)

    def _publish(self, draw: bool = False, busy: str = "", progress: float = 0.0,
                 error: str = "") -> None:
        """A new frame: the run's state now, its wanted views drawn again if `draw`."""
        from viz.dashboard import charts

        m = self.model
        with self.cond:
            wanted = set().union(*self._viewers.values()) if self._viewers else set()
            prev = self.frame
        fields = {}
        if m is not None and draw:  # the minute, the pictures and the words all of one minute
            with m.lock:
                fields = dict(
                    pngs={key: charts.png(m, *key) for key in sorted(wanted, key=str)},
                    trades={key[1]: m.last_trades(key[1], 8) for key in wanted
                            if key[0] == "book"},
                    t=m.t, clock=clock_text(m.sc.start_date, m.sc.days, m.t),
                    running=m.running, card=m.card, events=tuple(m.event_lines()),
                    tickers=tuple(m.main.tickers), start_date=m.sc.start_date, days=m.sc.days,
                    jumps=tuple(_jumps(m)), next_shock=m.next_shock())
            self._last_draw = time.monotonic()
        with self.cond:
            running = fields.get("running", prev.running)
            self.frame = dataclasses.replace(
                prev, version=prev.version + 1, playing=self._playing, speed=self._speed,
                busy=busy, progress=progress, viewers=len(self._viewers),
                error=error or prev.error, status=_status(self._playing, self._speed, running),
                **fields)
            self.cond.notify_all()


class RemoteRun(_Watched):
    """A Run in a process of its own (``python -m viz.dashboard.worker``), with Run's
    interface: the server's process only passes commands and frames, so stepping and drawing
    (which hold Python's GIL) never hold up the pages, and on a 2-core machine a run and the
    pages use both cores. The process ends when the run is closed (or the server dies), and
    everything it held goes back to the system with it."""

    def __init__(self, card: RunCard, kind: str = "class", name: str = ""):
        import itertools
        import subprocess
        import sys

        self.card = card
        self.kind = kind
        self.name = name or f"{kind} run"
        self.model = None  # the model lives in the worker
        self.cond = threading.Condition()
        self.frame = Frame(busy="starting the run's process", card=None)
        self._viewers: dict[str, frozenset] = {}
        self._wanted: frozenset = frozenset()
        self._closed = False
        self._replies: dict[int, bytes] = {}
        self._ids = itertools.count()
        self._wlock = threading.Lock()
        # an own run's process at a lower priority (nice 10): what the projector shows and
        # the pages' traffic come first, own runs get what is left of the cores
        self.proc = subprocess.Popen([sys.executable, "-m", "viz.dashboard.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     preexec_fn=_own_priority if kind == "own"
                                     else _die_with_parent)
        self._write(("open", card, kind, self.name))
        self._reader = _detached_thread(self._read_loop, f"selloff-{kind}-run-reader")
        self._reader.start()

    def _write(self, msg) -> None:
        from viz.dashboard.worker import write_message

        with self._wlock:
            try:
                write_message(self.proc.stdin, msg)
            except (BrokenPipeError, ValueError, OSError):  # the worker has gone
                pass

    def _read_loop(self) -> None:
        from viz.dashboard.worker import read_message

        while True:
            msg = read_message(self.proc.stdout)
            if msg is None:
                break
            if msg[0] == "frame":
                with self.cond:
                    self.frame = dataclasses.replace(msg[1], viewers=len(self._viewers))
                    self.cond.notify_all()
            elif msg[0] == "reply":
                with self.cond:
                    self._replies[msg[1]] = msg[2]
                    self.cond.notify_all()
        code = self.proc.wait()
        with self.cond:
            error = "" if self._closed or code == 0 else (
                f"the run's process stopped (exit code {code}): Reset or reload the page")
            self.frame = dataclasses.replace(self.frame, version=self.frame.version + 1,
                                             closed=True, playing=False,
                                             error=error or self.frame.error)
            self._closed = True
            self.cond.notify_all()

    def send(self, cmd: str, **kw) -> None:
        """As Run.send."""
        if cmd == "reset":
            self.card = kw["card"]
        self._write(("send", cmd, kw))

    def _push_wanted(self) -> None:
        with self.cond:
            union = frozenset().union(*self._viewers.values()) if self._viewers else frozenset()
            changed = union != self._wanted
            self._wanted = union
        if changed:
            self._write(("want", sorted(union, key=str)))

    def want(self, viewer: str, keys) -> None:
        """As Run.want."""
        with self.cond:
            self._viewers[viewer] = frozenset(keys)
        self._push_wanted()

    def forget(self, viewer: str) -> int:
        """As Run.forget."""
        with self.cond:
            self._viewers.pop(viewer, None)
            n = len(self._viewers)
        self._push_wanted()
        return n

    def request(self, what: str, timeout: float = 60.0) -> bytes:
        """As Run.request (asked of the worker; empty if it does not answer in `timeout`)."""
        k = next(self._ids)
        self._write(("request", k, what))
        with self.cond:
            self.cond.wait_for(lambda: k in self._replies or self._closed, timeout)
            return self._replies.pop(k, b"")

    def close(self) -> None:
        """As Run.close: the worker stops its run, frees it and exits."""
        with self.cond:
            self._closed = True
            self.cond.notify_all()
        self._write(("close",))
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker to exit (killed if it has not after `timeout`)."""
        import subprocess

        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        return self.proc.poll() is not None

    @property
    def closed(self) -> bool:
        """Whether `close` was called (or the worker has gone)."""
        return self._closed


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """In a worker: be sent SIGTERM when the server dies, even by SIGKILL (Linux)."""
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _own_priority() -> None:  # pragma: no cover - runs in the child before exec
    """An own run's worker: nice 10, and dies with the server."""
    _die_with_parent()
    os.nice(OWN_NICE)


#: how much lower an own run's process is scheduled than the server and the class run
OWN_NICE = 10


def _export(m: ClassroomModel | None, what: str) -> bytes:
    """`Run.request`'s answer for model `m`."""
    from viz.dashboard import charts

    if m is None:
        return b""
    if what == "bars_csv":
        return m.bars_csv()
    if what == "prices_png":
        return charts.png(m, "prices")
    raise ValueError(f"request: unknown export {what!r}; allowed: bars_csv, prices_png")


def _status(playing: bool, speed: float, running: bool) -> str:
    if not running:
        return "the run has ended"
    if not playing:
        return "paused"
    return ("playing as fast as the server can" if not speed
            else f"playing at {speed:g} simulated minute{'s' if speed != 1 else ''} a second")


def _jumps(m: ClassroomModel) -> list[tuple[str, int]]:
    """Where the lecturer can jump from here: before the lesson's shock day's opening auction
    (while it is ahead) and the close of the day now trading."""
    from scenarios.engine.calendar import trading_dates

    dates = trading_dates(m.sc.start_date, m.sc.days)
    out = []
    d = m.shock_day()
    if d > 0 and m.t < m.before_open(d):
        out.append((f"jump to {day_label(dates[d])} before its opening auction",
                    m.before_open(d)))
    c = m.next_close()
    if c > m.t:
        out.append((f"jump to the close, {day_label(dates[c // 390 - 1])} 16:00", c))
    return out


class Hub:
    """The server's runs: one class run (the projector's; a lecturer's page opens it, every
    page can watch it) and at most `places` own runs, one per page that asked for one.

    Pages `attach` to a run and `detach` when they go away; a run nobody watches stops
    playing, an own run is freed as its page detaches, the class run after ALONE_S alone.
    """

    def __init__(self, places: int = 2, processes: bool = False):
        self.places = int(places)
        #: each run in a process of its own (RemoteRun), else a thread of this process
        self.Run = RemoteRun if processes else Run
        self.lock = threading.Lock()
        self.class_run: Run | None = None
        self.own: dict[str, Run] = {}
        self._alone_since: float | None = None
        self._alive: dict[str, object] = {}
        self._janitor = _detached_thread(self._sweep, "selloff-hub-janitor")
        self._janitor_stop = threading.Event()
        self._janitor.start()

    def open_class_run(self, card: RunCard) -> Run:
        """The class run of `card` (a lecturer's page): the one running if it has this card,
        else a new one (the old one is closed; the pages watching it follow the new one)."""
        with self.lock:
            run = self.class_run
            if run is not None and not run.closed and run.card == card:
                return run
            self.class_run = self.Run(card, "class", "the class run")
            self._alone_since = None
            if run is not None:
                run.close()
            return self.class_run

    def current_class_run(self) -> Run | None:
        """The class run now, or None (no lecturer has opened one yet)."""
        with self.lock:
            return self.class_run

    def own_run(self, viewer: str, card: RunCard) -> Run:
        """Page `viewer`'s own run of `card` (a new one replaces the page's old one);
        raises Busy when every place is taken by other pages."""
        with self.lock:
            old = self.own.pop(viewer, None)
            if old is not None:
                old.close()
            if len(self.own) >= self.places:
                n = self.places
                raise Busy(f"The server is busy: its {n} own run{'s' if n != 1 else ''} "
                           f"{'are' if n != 1 else 'is'} taken by other pages (more would slow "
                           "every page on this machine). Keep watching the class run, or try "
                           "again when someone goes back to it.")
            run = self.own[viewer] = self.Run(card, "own", "your own run")
            return run

    def drop_own(self, viewer: str) -> None:
        """Free page `viewer`'s own run (the page went back to the class run, or away)."""
        with self.lock:
            run = self.own.pop(viewer, None)
        if run is not None:
            run.close()

    def attach(self, viewer: str, run: Run, keys=(), alive=None) -> None:
        """Page `viewer` shows `run` now (its views `keys`); `alive()` returning False tells
        the hub the page has gone even if it never said so (a browser killed)."""
        run.want(viewer, keys)
        with self.lock:
            if alive is not None:
                self._alive[viewer] = alive
            if run is self.class_run:
                self._alone_since = None

    def detach(self, viewer: str, run: Run | None = None) -> None:
        """Page `viewer` no longer shows `run` (None: it has gone: everything it held)."""
        runs = [run] if run is not None else [r for r in (self.class_run, self.own.get(viewer))
                                              if r is not None]
        for r in runs:
            left = r.forget(viewer)
            if r is self.class_run and left == 0:
                r.send("pause")  # nobody watches: stop spending the server's time
                with self.lock:
                    self._alone_since = time.monotonic()
        if run is None:
            with self.lock:
                self._alive.pop(viewer, None)
            self.drop_own(viewer)

    def stats(self) -> dict:
        """Runs and pages now: class run's pages, own runs, places."""
        with self.lock:
            c = self.class_run
            return {"class_viewers": c.viewers if c is not None else 0,
                    "own_runs": len(self.own), "places": self.places}

    def close(self) -> None:
        """Stop every run and the janitor (the server is shutting down, or a test ends)."""
        self._janitor_stop.set()
        with self.lock:
            runs = [r for r in (self.class_run, *self.own.values()) if r is not None]
            self.class_run, self.own = None, {}
        for r in runs:
            r.close()
        for r in runs:
            r.join(10)

    def _sweep(self) -> None:
        """Every 2 s: detach pages whose browser went away without saying so, and free the
        class run once it has been alone for ALONE_S."""
        while not self._janitor_stop.wait(2.0):
            with self.lock:
                gone = [v for v, alive in self._alive.items() if not _call(alive)]
            for v in gone:
                self.detach(v)
            with self.lock:
                run = self.class_run
                alone = (run is not None and self._alone_since is not None
                         and time.monotonic() - self._alone_since > ALONE_S
                         and run.viewers == 0)
                if alone:
                    self.class_run = None
                    self._alone_since = None
            if alone:
                run.close()


def _call(alive) -> bool:
    try:
        return bool(alive())
    except Exception:  # a page whose check fails has gone
        return False


_HUB: Hub | None = None
_HUB_LOCK = threading.Lock()


def get_hub() -> Hub:
    """The server's hub (one per process): its places from $SELLOFF_DASHBOARD_OWN_RUNS
    (default 2); each run in a process of its own unless $SELLOFF_DASHBOARD_PROCESSES is 0
    (`serve` sets it to 1; a page rendered in a test keeps its runs in threads)."""
    global _HUB
    with _HUB_LOCK:
        if _HUB is None:
            _HUB = Hub(int(os.environ.get("SELLOFF_DASHBOARD_OWN_RUNS", "2")),
                       processes=os.environ.get("SELLOFF_DASHBOARD_PROCESSES", "0") == "1")
        return _HUB
