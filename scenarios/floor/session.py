"""A live trading-floor session: one `FloorWorld` stepped on its own thread in real time.

Threads: the world thread is the only one that touches the world (it steps minutes at the set
speed, opens students' accounts, rebuilds the world on a reset). Everything else (the server's
request threads) reads the `Snapshot` it publishes after each minute (an immutable value, swapped
in whole), and enqueues orders and cancels under one short lock; nothing on a request path
steps the world or waits for it. Each minute's queue is drained at the start of the next minute
and entered before the agents' ticks (scenarios.floor.world).

States: ``not_started`` -> ``running`` <-> ``paused`` -> ``ended`` (the scenario's last close,
or the instructor's ``end``); ``reset`` builds the world again from the same seed (or a new
one) and returns to ``not_started`` with every student's account reopened.

Pacing: the n-th minute after a (re)start is due at t0 + n / speed (wall seconds); when a step
runs late the next ones follow at once, so the clock catches up, and `lag` says how many
minutes it is behind (a lag of more than `MAX_LAG_MIN` minutes is forgiven: the clock restarts
from now rather than racing).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from market.types import BAR
from scenarios.engine.calendar import trading_dates

from .debrief import DebriefRunner, debrief, paths
from .log import SessionLog
from .orders import BUY, FloorError, Forbidden, UnknownOrder, check_buying_power, parse_order
from .settings import Floor
from .world import MINUTES, Action, FloorWorld, clock_text

__all__ = ["FloorSession", "Snapshot", "check_name", "ACTIONS", "MAX_NAME", "MAX_LAG_MIN",
           "LOG_NAME", "FLOOR_FILES"]

#: control actions (POST /api/control {"action": ...}); "speed" takes "speed", "step"
#: "minutes", "reset" an optional "seed"
ACTIONS = ("start", "pause", "resume", "next_shock", "speed", "step", "reset", "end")
MAX_NAME = 32  #: characters of a student's name
MAX_LAG_MIN = 10.0  #: minutes the clock may fall behind before it restarts from now
LOG_NAME = "session.jsonl"
#: what `selloff classroom` writes into its --out folder
FLOOR_FILES = (LOG_NAME, "debrief.json", "fills.csv", "leaderboard.csv")
_STEP_MAX = MINUTES  # minutes one "step" action may ask for


@dataclass(frozen=True)
class Snapshot:
    """What readers see between two minutes (nothing in it changes after it is published)."""

    version: int
    minute: int
    state: str
    market: bytes  # the GET /api/market document, encoded once
    students: tuple  # per student: their /api/me document without queued orders
    leaderboard: tuple
    marks: np.ndarray  # cents
    books: dict  # ticker -> {"bids": [[price, shares]], "asks": ...}
    closes: np.ndarray  # [minutes since the session's start, stocks] cents
    cache: dict = field(default_factory=dict, compare=False)  # encoded documents, per key


class FloorSession:
    """A session of `scenario` with the students' settings `floor`.

    Args:
        scenario: a scenarios.library.scenario.Scenario (its --set overrides applied).
        floor: a Floor.
        seed: the world's seed (default the scenario's).
        sets: the scenario's --set overrides (recorded in the log, for replay).
        out: folder of the session log (and, at the end, debrief.json and the CSVs); None
            keeps no log.
        clock: a monotonic clock in seconds (tests may pass their own).
    """

    def __init__(self, scenario, floor: Floor, seed: int | None = None, sets=(), out=None,
                 clock=time.monotonic):
        self.scenario = scenario
        self.floor = floor
        self.seed = scenario.seed if seed is None else int(seed)
        self.sets = list(sets)
        self.out = None if out is None else Path(out)
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self.log = None if self.out is None else SessionLog(self.out / LOG_NAME)
        self.names: list[str] = []  # student index -> name (kept across resets)
        self._taken: set[str] = set()  # casefolded names
        self.state = "not_started"
        self.speed = float(floor.speed)
        self._next_id = 1
        self._queue: list[Action] = []  # for the next minute, in arrival order
        self._queued: dict[int, tuple[int, object, int]] = {}  # id -> (student, req, minute)
        self._entering: set[int] = set()  # ids handed to the world, not yet in a snapshot
        self._sent: dict[int, int] = {}  # student -> actions queued for the next minute
        self._joins: list[str] = []
        self._owner: dict[int, int] = {}  # order id -> student
        self._stop = False
        self._end_pending = False
        self.error: str | None = None
        self._reset_seed: int | None | bool = False
        self._step_left = 0
        self._jump_to: int | None = None
        self._anchor = (0.0, 0)  # (wall time, minutes done) the pace counts from
        self.lag = 0.0
        self.lag_max = 0.0
        self.late_minutes = 0
        self.steps = 0
        self.step_seconds = 0.0  # wall time spent stepping (the world thread's work)
        self._debrief_runner: DebriefRunner | None = None
        self._debrief: dict | None = None
        self._version = 0
        self._lists: dict[int, tuple] = {}  # student -> (world, version, student_lists)
        self.world = self._build(self.seed)
        self._snap = self._snapshot()
        self._thread = threading.Thread(target=self._loop, name="selloff-floor-world",
                                        daemon=True)
        self._thread.start()

    # -- building -----------------------------------------------------------------------------

    def _build(self, seed: int, names=()) -> FloorWorld:
        sc = dataclasses.replace(self.scenario, seed=seed)
        w = FloorWorld(sc, self.floor, seed, log=self.log, sets=self.sets)
        self.dates = trading_dates(sc.start_date, sc.days)
        for name in names:
            w.join(name)
        return w

    # -- the world thread ---------------------------------------------------------------------

    def _due(self, now: float) -> bool:
        if self._step_left or self._jump_to is not None:
            return True
        if self.state != "running":
            return False
        t0, m0 = self._anchor
        return now >= t0 + (self.world.minutes_done + 1 - m0) / self.speed

    def _wait_time(self, now: float) -> float | None:
        if self.state != "running":
            return None
        t0, m0 = self._anchor
        return max(0.0, t0 + (self.world.minutes_done + 1 - m0) / self.speed - now)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._stop:
                        return
                    now = self._clock()
                    if (self._reset_seed is not False or self._joins or self._end_pending
                            or self._due(now) or self._debrief_pending()):
                        break
                    self._wake.wait(self._wait_time(now) if self.state == "running" else 0.5)
                reset, self._reset_seed = self._reset_seed, False
                joins, self._joins = self._joins, []
                if reset is not False:  # the new world opens every account joined so far
                    names, joins = list(self.names), []
                if self._end_pending:  # the instructor's end, between two minutes
                    self._end_pending = False
                    self._end_locked()
                step = reset is False and self.state != "ended" and self._due(self._clock())
                actions: list[Action] = []
                if step:
                    actions, self._queue = self._queue, []
                    self._sent = {}
                    self._entering = {a.id for a in actions if a.kind == "order"}
            try:
                if reset is not False:
                    self._do_reset(reset, names)
                for name in joins:
                    self.world.join(name)
                if step:
                    self._step(actions)
                self._after()
            except Exception as e:  # the world must not die silently: say so, and stop
                with self._lock:
                    self.state = "ended"
                    self.error = f"{type(e).__name__}: {e}"
                raise

    def _debrief_pending(self) -> bool:
        r = self._debrief_runner
        return r is not None and not r.done and r.poll()

    def _step(self, actions: list[Action]) -> None:
        w = self.world
        t = time.perf_counter()
        w.step_minute(actions)
        self.step_seconds += time.perf_counter() - t
        self.steps += 1
        with self._lock:
            if self._step_left:
                self._step_left -= 1
            elif self._jump_to is not None:
                if w.minutes_done > self._jump_to:
                    self._jump_to = None
                    self._anchor = (self._clock(), w.minutes_done)
            else:
                now = self._clock()
                t0, m0 = self._anchor
                self.lag = max(0.0, (now - t0) * self.speed - (w.minutes_done - m0))
                self.lag_max = max(self.lag_max, self.lag)
                if self.lag > 1.0:
                    self.late_minutes += 1
                if self.lag > MAX_LAG_MIN:
                    self._anchor = (now, w.minutes_done)
            if w.ended and self.state != "ended":
                self._end_locked()

    def _after(self) -> None:
        """Publish the new snapshot; drop the queued orders the world has taken in."""
        if self._debrief_runner is not None:
            self._debrief_runner.poll()
            self._refresh_debrief()
        snap = self._snapshot()
        with self._lock:
            for i in self._entering:
                self._queued.pop(i, None)
            self._entering = set()
            self._snap = snap

    def _do_reset(self, seed, names) -> None:
        if self._debrief_runner is not None:
            self._debrief_runner.stop()
        self._debrief_runner, self._debrief = None, None
        self._written, self.error = False, None
        world = self._build(self.seed if seed is None else int(seed), names)
        with self._lock:
            if seed is not None:
                self.seed = int(seed)
            self.world = world
            self.state = "not_started"
            self._queue, self._queued, self._entering, self._sent = [], {}, set(), {}
            self._owner = {}
            self._step_left, self._jump_to = 0, None
            self.lag = self.lag_max = 0.0
            self.late_minutes = 0

    # -- snapshots ------------------------------------------------------------------------------

    def _snapshot(self) -> Snapshot:
        w = self.world
        ex = w.exchange
        marks = w.marks()
        g = w.minutes_done
        day, hhmm = clock_text(g)
        opening = g % MINUTES == 0
        tick = {}
        books = {}
        for s, t in enumerate(w.tickers):
            bid, ask = ex.best(s)
            prev = int(ex.prev_close[s])  # the last close (the reference before day 0)
            tick[t] = {"bid": bid / 100 if bid else None, "ask": ask / 100 if ask else None,
                       "last": int(marks[s]) / 100, "prev_close": prev / 100,
                       "change_pct": round((int(marks[s]) / prev - 1.0) * 100, 3)}
            bp, bq, ap, aq = ex.depth(s, 10)
            books[t] = {"bids": [[int(p) / 100, int(q)] for p, q in zip(bp, bq, strict=True)],
                        "asks": [[int(p) / 100, int(q)] for p, q in zip(ap, aq, strict=True)]}
        date_day = min(day, len(self.dates) - 1)
        news = [{"day": d, "date": self.dates[d], "minute": mm,
                 "time": "before the open" if mm < 0 else clock_text(mm)[1], "name": n,
                 "text": x} for d, mm, n, _k, x in w.events]
        market = {"minute": g, "day": date_day, "date": self.dates[date_day],
                  "time": "before the open" if opening else hhmm,
                  "state": self.state, "speed": self.speed,
                  "session": {"start_minute": w.start_minute,
                              "end_minute": len(self.dates) * MINUTES},
                  "tickers": tick, "news": news}
        students = []
        for k, st in enumerate(w.students):  # lists rebuilt only for students whose changed
            c = self._lists.get(k)
            if c is None or c[0] is not w or c[1] != st.version:
                c = self._lists[k] = (w, st.version, w.student_lists(k))
            students.append(w.student_view(k, marks, lists=c[2]))
        board = sorted(({"name": v["name"], "pnl": v["pnl"], "equity": v["equity"],
                         "return_pct": round(v["pnl"] / max(1e-9, v["equity"] - v["pnl"]) * 100,
                                             3) if v["equity"] - v["pnl"] > 0 else 0.0,
                         "trades": v["fills_total"], "forced": len(v["forced"])}
                        for v in students), key=lambda r: (-r["pnl"], r["name"]))
        for i, row in enumerate(board, 1):
            row["rank"] = i
        self._version += 1
        s0 = w.start_minute
        return Snapshot(version=self._version, minute=g, state=self.state,
                        market=_encode(market), students=tuple(students),
                        leaderboard=tuple(board), marks=marks.copy(), books=books,
                        closes=w.bars[s0:max(g, s0), :, BAR.close].copy())

    # -- what request threads call --------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot (swapped in whole after every minute)."""
        return self._snap

    def join(self, name) -> int:
        """Register a student called `name`; return their index. Their account opens before
        the next minute (at once when the world is idle).

        Raises:
            FloorError: on "name": not a string, empty, longer than MAX_NAME characters, with
                control characters, or taken (case-insensitively); or the floor is full.
        """
        name = check_name(name)
        with self._lock:
            if name.casefold() in self._taken:
                raise FloorError("name", f"{name!r} is taken: pick another")
            if len(self.names) >= self.floor.max_students:
                raise FloorError("name", f"the floor is full ({self.floor.max_students} "
                                 "students)")
            self._taken.add(name.casefold())
            self.names.append(name)
            self._joins.append(name)
            self._wake.notify_all()
            return len(self.names) - 1

    def me(self, k: int, all_fills: bool = False) -> dict:
        """Student k's GET /api/me document: cash, positions, P&L, margin, fills, orders."""
        with self._lock:  # the snapshot and the queue as one: an order is in one or the other
            snap = self._snap
            queued = [self._queued_view(i, q) for i, q in self._queued.items() if q[0] == k]
        if k < len(snap.students):
            doc = dict(snap.students[k])
        else:  # joined since the last snapshot: the account as it opens
            doc = self._fresh_view(k, snap)
        students = self.world.students
        if all_fills and k < len(students):
            fills = list(students[k].fills[: doc["fills_total"]])
            doc["fills"] = [dict(f, price=f["price"] / 100) for f in fills]
        doc["orders"] = doc["orders"] + queued
        doc["minute"] = snap.minute
        return doc

    def _fresh_view(self, k: int, snap: Snapshot) -> dict:
        f = self.floor
        pos = {t: int(f.shares) for t in self.world.tickers}
        equity = f.cash + sum(f.shares * int(m) / 100 for m in snap.marks)
        gross = sum(f.shares * int(m) / 100 for m in snap.marks)
        return {"name": self.names[k], "cash": float(f.cash), "positions": pos, "pnl": 0.0,
                "equity": equity, "gross": gross,
                "buying_power": max(0.0, f.max_leverage * equity - gross),
                "margin_used": gross / (f.max_leverage * equity) if equity > 0 else None,
                "equity_ratio": equity / gross if gross else None,
                "max_leverage": f.max_leverage, "maintenance": f.maintenance, "fills": [],
                "fills_total": 0, "orders": [], "forced": []}

    def _queued_view(self, i: int, q) -> dict:
        _k, req, _m = q
        return {"id": i, "ticker": self.world.tickers[req.stock],
                "side": "buy" if req.side == BUY else "sell", "type": req.kind, "qty": req.qty,
                "price": None if req.price is None else req.price / 100, "status": "queued",
                "filled": 0, "resting": 0, "rest_price": None, "avg_price": None,
                "minute": None, "reason": "", "forced": False}

    def _check_trading(self) -> None:
        if self.state == "not_started":
            raise FloorError("session", "trading has not started yet: wait for the instructor")
        if self.state == "ended":
            raise FloorError("session", "the session has ended: no more orders")

    def place(self, k: int, body) -> dict:
        """Queue student k's order (a decoded JSON body) for the next minute; return {"id",
        "status": "queued", "minute": the minute it will enter}.

        Raises:
            FloorError: naming the bad field (nothing is queued): the body's fields
                (scenarios.floor.orders.parse_order), the floor's limits (open orders, actions
                per minute), buying power, or the session's state.
        """
        snap = self._snap
        f = self.floor
        req = parse_order(body, self.world.tickers, snap.marks, max_qty=f.max_order_qty,
                          band_pct=f.price_band_pct)
        with self._lock:
            snap = self._snap  # read with the queue: an order is in one or the other
            self._check_trading()
            self._check_rate(k)
            # a student who joined since the last snapshot: their account opens (the world
            # thread takes joins before the minute's orders) as the floor endows it
            st = snap.students[k] if k < len(snap.students) else self._fresh_view(k, snap)
            open_orders = [o for o in st["orders"] if o["status"] == "open"
                           and o["id"] not in self._cancelling(k)]
            queued = [q for q in self._queued.values() if q[0] == k]
            if len(open_orders) + len(queued) >= f.max_open_orders:
                raise FloorError("orders", f"you have {len(open_orders) + len(queued)} open or "
                                 f"queued orders, the most this floor allows "
                                 f"({f.max_open_orders}): cancel some first")
            pending = [(self.world.tickers.index(o["ticker"]), BUY if o["side"] == "buy"
                        else -1, o["resting"], None if o["price"] is None
                        else round(o["price"] * 100)) for o in open_orders]
            pending += [(q[1].stock, q[1].side, q[1].qty, q[1].price) for q in queued]
            cash = round(st["cash"] * 100)
            shares = [st["positions"][t] for t in self.world.tickers]
            check_buying_power(cash, shares, snap.marks, pending + [
                (req.stock, req.side, req.qty, req.price)], max_leverage=f.max_leverage,
                band_pct=f.price_band_pct, short_selling=f.short_selling,
                tickers=self.world.tickers)
            i = self._next_id
            self._next_id += 1
            self._queue.append(Action("order", i, k, stock=req.stock, side=req.side,
                                      type=req.kind, qty=req.qty, price=req.price))
            self._queued[i] = (k, req, snap.minute)
            self._owner[i] = k
            self._sent[k] = self._sent.get(k, 0) + 1
            self._wake.notify_all()
            return {"id": i, "status": "queued", "minute": snap.minute}

    def _cancelling(self, k: int) -> set[int]:
        return {a.id for a in self._queue if a.kind == "cancel" and a.student == k}

    def _check_rate(self, k: int) -> None:
        n = self._sent.get(k, 0)
        if n >= self.floor.max_actions_per_minute:
            raise FloorError("orders", f"you have sent {n} orders and cancels for this minute, "
                             f"the most this floor allows ({self.floor.max_actions_per_minute}):"
                             " wait for the next minute")

    def cancel(self, k: int, order_id: int) -> dict:
        """Cancel student k's order `order_id`: a queued one at once ("cancelled"), an open one
        at the start of the next minute ("cancelling").

        Raises:
            UnknownOrder: no order has that id. Forbidden: it is another student's.
            FloorError: it is done already (filled, cancelled, expired, rejected), or being
                cancelled.
        """
        with self._lock:
            owner = self._owner.get(order_id)
            if owner is None:
                raise UnknownOrder("id", f"no order {order_id}")
            if owner != k:
                raise Forbidden("id", f"order {order_id} is not yours")
            if order_id in self._queued and order_id not in self._entering:
                self._check_rate(k)
                self._queued.pop(order_id)
                self._queue = [a for a in self._queue if a.id != order_id]
                self._sent[k] = self._sent.get(k, 0) + 1
                return {"id": order_id, "status": "cancelled"}
            if order_id in self._cancelling(k):
                raise FloorError("id", f"order {order_id} is being cancelled already")
            if order_id not in self._entering:
                st = self._snap.students[k] if k < len(self._snap.students) else None
                mine = {o["id"]: o for o in (st["orders"] if st else [])}
                o = mine.get(order_id)
                if o is None or o["status"] != "open":
                    status = o["status"] if o else "done"
                    raise FloorError("id", f"order {order_id} is {status}: nothing to cancel")
            self._check_trading()
            self._check_rate(k)
            self._queue.append(Action("cancel", order_id, k))
            self._sent[k] = self._sent.get(k, 0) + 1
            self._wake.notify_all()
            return {"id": order_id, "status": "cancelling"}

    def leaderboard(self) -> list[dict]:
        """[{"rank", "name", "pnl", "equity", "return_pct", "trades", "forced"}], best first."""
        return [dict(r) for r in self._snap.leaderboard]

    def book(self, ticker: str) -> dict:
        """A stock's ten best price levels a side (dollars, shares)."""
        snap = self._snap
        if ticker not in snap.books:
            raise UnknownOrder("ticker", f"must be one of {', '.join(self.world.tickers)}")
        return {"ticker": ticker, "minute": snap.minute, **snap.books[ticker]}

    def history(self, ticker: str) -> bytes:
        """A stock's minute closes since the session's start (dollars), encoded."""
        snap = self._snap
        tickers = list(self.world.tickers)
        if ticker not in tickers:
            raise UnknownOrder("ticker", f"must be one of {', '.join(tickers)}")
        key = ("history", ticker)
        if key not in snap.cache:
            j = tickers.index(ticker)
            snap.cache[key] = _encode({"ticker": ticker, "start_minute": self.world.start_minute,
                                       "minute": snap.minute,
                                       "close": (snap.closes[:, j] / 100).tolist()})
        return snap.cache[key]

    # -- the instructor --------------------------------------------------------------------------

    def control(self, body) -> dict:
        """Apply an instructor's {"action": ...} (ACTIONS); return the session's status.

        Raises:
            FloorError: naming "action" (unknown, or not possible in this state), "speed",
                "minutes" or "seed" (out of range), or an unknown field.
        """
        if not isinstance(body, dict):
            raise FloorError("body", "must be a JSON object with an action")
        action = body.get("action")
        if not isinstance(action, str) or action not in ACTIONS:
            raise FloorError("action", f"must be one of {', '.join(ACTIONS)} "
                             f"(got {_show(action)})")
        allowed = {"speed": {"speed"}, "step": {"minutes"}, "reset": {"seed"}}.get(action, set())
        for key in body:
            if key != "action" and key not in allowed:
                raise FloorError(str(key)[:40], f"unknown field for {action!r}; allowed: "
                                 f"{', '.join(['action', *sorted(allowed)])}")
        with self._lock:
            getattr(self, f"_ctl_{action}")(body)
            self._wake.notify_all()
        return self.status()

    def _need(self, action: str, *states: str) -> None:
        if self.state not in states:
            raise FloorError("action", f"{action!r} needs the session to be "
                             f"{' or '.join(s.replace('_', ' ') for s in states)} "
                             f"(it is {self.state.replace('_', ' ')})")

    def _ctl_start(self, body) -> None:
        self._need("start", "not_started")
        self.state = "running"
        self._anchor = (self._clock(), self.world.minutes_done)
        self._note("start")

    def _ctl_pause(self, body) -> None:
        self._need("pause", "running")
        self.state = "paused"
        self._note("pause")

    def _ctl_resume(self, body) -> None:
        self._need("resume", "paused")
        self.state = "running"
        self._anchor = (self._clock(), self.world.minutes_done)
        self._note("resume")

    def _ctl_speed(self, body) -> None:
        v = body.get("speed")
        lo, hi = _field_range(Floor, "speed")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) \
                or not lo <= v <= hi:
            raise FloorError("speed", f"must be a number of simulated minutes per second in "
                             f"[{lo:g}, {hi:g}] (got {_show(v)})")
        self._need("speed", "not_started", "running", "paused")
        self.speed = float(v)
        self._anchor = (self._clock(), self.world.minutes_done)
        self.lag_max = 0.0
        self._note("speed", speed=self.speed)

    def _ctl_step(self, body) -> None:
        n = body.get("minutes", 1)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= _STEP_MAX:
            raise FloorError("minutes", f"must be a whole number in [1, {_STEP_MAX}] "
                             f"(got {_show(n)})")
        self._need("step", "paused")
        self._step_left += n

    def _ctl_next_shock(self, body) -> None:
        self._need("next_shock", "running", "paused")
        g = self.world.minutes_done
        ahead = sorted(d * MINUTES + max(m, 0) for d, m in self.world.schedule if
                       d * MINUTES + max(m, 0) >= g)
        if self._jump_to is not None:
            ahead = [x for x in ahead if x > self._jump_to]
        if not ahead:
            raise FloorError("action", "'next_shock': no shock is left in the scenario")
        self._jump_to = ahead[0]
        self._note("next_shock", to=ahead[0])

    def _ctl_reset(self, body) -> None:
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)
                                 or not 0 <= seed <= 2**63 - 1):
            raise FloorError("seed", f"must be a whole number in [0, 2^63 - 1] "
                             f"(got {_show(seed)})")
        self._reset_seed = seed

    def _ctl_end(self, body) -> None:
        self._need("end", "running", "paused")
        self.state = "ended"  # no more orders from now; the world thread closes the session
        self._end_pending = True

    def _note(self, what: str, **extra) -> None:
        """Control events go to the log too (not needed to replay: they only pace the clock)."""
        if self.log is not None:
            self.log.write({"type": "control", "action": what,
                            "minute": self.world.minutes_done, **extra})

    def _end_locked(self) -> None:
        self.state = "ended"
        self._step_left, self._jump_to = 0, None
        w = self.world
        if self.log is not None and not w.ended:  # (the world logs its own last close)
            self.log.write({"type": "end", "minute": w.minutes_done})
        self._debrief = None
        if w.minutes_done > w.start_minute:
            try:
                self._debrief_runner = DebriefRunner(w.spec, self.seed, w.minutes_done,
                                                     self.floor.debrief_channels)
            except (OSError, RuntimeError) as e:  # no process: the debrief without its runs
                self.error = f"debrief: could not start its runs ({e})"

    def status(self) -> dict:
        """The instructor's view: state, clock, speed and lag, the class table, the debrief's
        progress."""
        snap = self._snap
        w = self.world
        with self._lock:
            queued = len(self._queue)
        klass = []
        for v in snap.students:
            klass.append({"name": v["name"], "cash": v["cash"], "equity": v["equity"],
                          "pnl": v["pnl"], "gross": v["gross"], "margin_used": v["margin_used"],
                          "positions": {t: q for t, q in v["positions"].items() if q},
                          "open_orders": sum(o["status"] == "open" for o in v["orders"]),
                          "trades": v["fills_total"], "forced": len(v["forced"])})
        r = self._debrief_runner
        return {"state": self.state, "minute": snap.minute, "speed": self.speed,
                "lag_min": round(self.lag, 3), "lag_max_min": round(self.lag_max, 3),
                "late_minutes": self.late_minutes, "queued": queued,
                "students": len(self.names), "seed": self.seed, "scenario": self.scenario.name,
                "start_minute": w.start_minute, "end_minute": len(self.dates) * MINUTES,
                "step_s_mean": round(self.step_seconds / max(1, self.steps), 5),
                "class": klass, "error": getattr(self, "error", None),
                "debrief": None if r is None else {"done": r.done, **r.progress()}}

    # -- the debrief -------------------------------------------------------------------------------

    def _refresh_debrief(self) -> None:
        r = self._debrief_runner
        if r is None:
            return
        doc = debrief(self.world, r.results, r.errors)
        doc["progress"] = r.progress()
        doc["done"] = r.done
        doc["leaderboard"] = self.leaderboard()
        self._debrief = doc
        if r.done and self.out is not None and not getattr(self, "_written", False):
            self._written = True
            self.write_outputs()

    def debrief(self) -> dict:
        """The debrief so far (scenarios.floor.debrief.debrief, with "progress" and "done");
        {"state": ...} before the session has ended."""
        if self.state != "ended":
            return {"done": False, "state": self.state, "progress": None}
        with self._lock:
            d = self._debrief
        if d is None:
            d = debrief(self.world, {}, {})
            r = self._debrief_runner
            d["progress"] = None if r is None else r.progress()
            d["done"] = r is None
        return d

    def debrief_paths(self, ticker: str) -> dict:
        """A stock's path with the students and without them (once that run has arrived)."""
        if ticker not in self.world.tickers:
            raise UnknownOrder("ticker", f"must be one of {', '.join(self.world.tickers)}")
        if self.state != "ended":
            raise FloorError("session", "the debrief comes once the session has ended")
        r = self._debrief_runner
        return paths(self.world, {} if r is None else r.results, ticker)

    def fills_csv(self) -> str:
        """Every student's fills: name, order, ticker, side, qty, price (dollars), date, time,
        minute, forced."""
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(["name", "order", "ticker", "side", "qty", "price", "date", "time",
                     "minute", "forced"])
        w = self.world
        for st in list(w.students):
            for f in list(st.fills):
                wr.writerow([_csv_safe(st.name), f["order"], f["ticker"], f["side"], f["qty"],
                             f"{f['price'] / 100:.2f}", f["date"], f["clock"], f["minute"],
                             int(f["forced"])])
        return buf.getvalue()

    def leaderboard_csv(self) -> str:
        """The leaderboard: rank, name, pnl, equity, return_pct, trades, forced."""
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        cols = ["rank", "name", "pnl", "equity", "return_pct", "trades", "forced"]
        wr.writerow(cols)
        for r in self.leaderboard():
            wr.writerow([_csv_safe(r[c]) if c == "name" else r[c] for c in cols])
        return buf.getvalue()

    def write_outputs(self) -> None:
        """debrief.json, fills.csv and leaderboard.csv into the session's folder (each whole)."""
        if self.out is None:
            return
        from scenarios.studies.outputs import atomic_text, strict_json

        self.out.mkdir(parents=True, exist_ok=True)
        if self.state == "ended":
            atomic_text(self.out / "debrief.json", strict_json(self.debrief()))
        atomic_text(self.out / "fills.csv", self.fills_csv())
        atomic_text(self.out / "leaderboard.csv", self.leaderboard_csv())

    # -- stopping ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the world thread and the debrief's process; write what the folder holds."""
        with self._lock:
            self._stop = True
            self._wake.notify_all()
        self._thread.join(30)
        if self._debrief_runner is not None:
            self._debrief_runner.stop()
        try:
            self.write_outputs()
        finally:
            if self.log is not None:
                if self.state != "ended" and not self.world.ended:
                    self.log.write({"type": "end", "minute": self.world.minutes_done})
                self.log.close()

    @property
    def threads_alive(self) -> bool:
        """Whether the world thread or the debrief's process still runs."""
        r = self._debrief_runner
        return self._thread.is_alive() or (r is not None and r._proc.is_alive())


def check_name(name) -> str:
    """A student's name as given, normalised (NFC, outer spaces dropped); FloorError on "name"
    when it is not a string, empty, over MAX_NAME characters, or has control or invisible
    characters."""
    if not isinstance(name, str):
        raise FloorError("name", f"must be a string of 1 to {MAX_NAME} characters "
                         f"(got {_show(name)})")
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise FloorError("name", "must not be empty")
    if len(name) > MAX_NAME:
        raise FloorError("name", f"must be at most {MAX_NAME} characters (got {len(name)})")
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name):
        raise FloorError("name", "must be letters, digits, punctuation and single spaces (no "
                         "control or invisible characters)")
    return name


def _csv_safe(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula: quote it."""
    s = str(text)
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def _show(x) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_range(cls, name: str) -> tuple[float, float]:
    from agents.params import PARAM_KEY

    spec = {f.name: f for f in dataclasses.fields(cls)}[name].metadata[PARAM_KEY]
    return spec.lo, spec.hi


def _encode(doc) -> bytes:
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
