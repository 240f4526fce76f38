"""The world of a trading floor: a `Simulation` whose exchange also holds students' accounts.

One thread steps it (scenarios.floor.session, or `replay`); nothing here knows about HTTP or
clocks. A student is an account in the same `market.Exchange` as the agents, opened when they
join (`Exchange.add_accounts`: the agents' accounts and draws are untouched, so a world whose
students never trade is the plain scenario, bar for bar). Their actions enter at the start of
the minute they are given for, after the minute's news and before the agents' compiled ticks,
through the exchange's public `submit` (motive `student`), and so match by price-time priority
with everyone's. Before them, a student whose equity fell under the maintenance limit is
forced to sell (their own margin call). After the minute the tape's rows that name a student
become their fills, and their resting orders are read back from the books.

Same scenario, seed and actions (with their minutes), same run, bit for bit: `replay`
rebuilds a session from its log.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from agents.params import ParamError, to_dict
from market import ORDER_DTYPE, SESSION_SECONDS, TAPE_DTYPE, InvalidOrderError, Motive
from market import OrderKind as _Kind
from scenarios.engine.calendar import trading_dates
from scenarios.engine.simulation import MINUTES, Simulation
from scenarios.library.overrides import apply_overrides

from .log import LOG_VERSION, LogError, SessionLog, read_segments
from .orders import BUY, SELL, FloorError, check_buying_power, margin_state
from .settings import Floor, as_dict, floor_from_dict

__all__ = ["FloorWorld", "Student", "StudentOrder", "Action", "replay", "check_floor",
           "STATUSES", "clock_text"]

#: an order's life: queued (waiting for the next minute, session only), open (resting in a
#: book), then filled, cancelled (by the student, or by their margin call), expired (a market
#: order's unfilled rest, or a day order at the close) or rejected (buying power at entry)
STATUSES = ("queued", "open", "filled", "cancelled", "expired", "rejected")


@dataclass
class Student:
    """A student's account: its index in the exchange and what they started with (cents)."""

    index: int
    name: str
    account: int
    joined: int  # minute
    wealth0: int  # cents: cash + shares at the last prices when they joined (P&L's zero)
    fills: list = field(default_factory=list)  # append-only: dicts (prices in cents)
    forced: list = field(default_factory=list)  # margin calls: dicts
    orders: list = field(default_factory=list)  # floor ids of their orders, oldest first
    version: int = 0  # bumped whenever an order, fill or margin call of theirs changes


@dataclass
class StudentOrder:
    """One order of a student (or of their margin call: negative id, forced=True)."""

    id: int
    student: int
    stock: int
    side: int
    kind: str  # "market" | "limit"
    qty: int
    price: int | None  # limit price, cents
    status: str = "queued"
    minute: int | None = None  # the minute it entered
    xid: int = -1  # the exchange's order id
    filled: int = 0
    value: int = 0  # cents paid or received for the filled shares
    resting: int = 0  # shares resting in the book now
    rest_price: int | None = None  # cents: where it rests (LULD may have repriced it)
    reason: str = ""
    forced: bool = False


@dataclass(frozen=True)
class Action:
    """An order or a cancel for a minute: `kind` "order" or "cancel"; for an order, its fields
    (stock, side, type, qty, price in cents or None)."""

    kind: str
    id: int
    student: int
    stock: int = 0
    side: int = 0
    type: str = "limit"
    qty: int = 0
    price: int | None = None


def check_floor(floor: Floor, scenario) -> None:
    """Settings that each pass their own range but not together (ParamError naming the field)."""
    if floor.maintenance * floor.max_leverage >= 1.0:
        raise ParamError(f"floor.maintenance: must be < 1 / floor.max_leverage "
                         f"({1 / floor.max_leverage:.3g}) so that a student at the leverage "
                         f"limit is not already under maintenance (got {floor.maintenance:g})",
                         "floor.maintenance")
    if floor.start_day >= scenario.days:
        raise ParamError(f"floor.start_day: must be < the scenario's days ({scenario.days}) "
                         f"(got {floor.start_day})", "floor.start_day")


def clock_text(minute: int) -> tuple[int, str]:
    """(day, "HH:MM") of a global minute."""
    day, m = divmod(int(minute), MINUTES)
    return day, f"{9 + (30 + m) // 60:02d}:{(30 + m) % 60:02d}"


class FloorWorld(Simulation):
    """A `Simulation` with students. Step it with `step_minute(actions)`; open an account with
    `join(name)` between minutes.

    Args:
        scenario: a scenarios.library.scenario.Scenario.
        floor: the students' settings (scenarios.floor.Floor).
        seed: the world's seed (default the scenario's).
        log: a SessionLog that gets every join and action as it enters (None: no log).
        sets: the scenario's --set overrides, for the log's header.

    The world first trades alone for `floor.start_day` days.
    """

    def __init__(self, scenario, floor: Floor, seed: int | None = None,
                 log: SessionLog | None = None, sets=()):
        check_floor(floor, scenario)
        seed = scenario.seed if seed is None else int(seed)
        scenario = dataclasses.replace(scenario, seed=seed)
        self.floor = floor
        self.students: list[Student] = []
        self.orders: dict[int, StudentOrder] = {}
        self.margin_calls: list[dict] = []
        self.minutes_done = 0
        self._log = log
        self._due = None
        self._carry: list[Action] = []
        self._open: dict[int, StudentOrder] = {}  # orders that may still trade, by floor id
        self._by_xid: dict[int, int] = {}
        self._tape: list[np.ndarray] = []
        self._forced_seq = 0
        super().__init__(scenario, seed)
        self.dates = trading_dates(scenario.start_date, scenario.days)
        self.n_agents = self.exchange.n_traders
        self.cash_total = int(self.exchange.cash.sum())  # what trading conserves
        self.shares_total = self.exchange.shares.sum(axis=0).copy()
        if log is not None:
            log.write({"type": "session", "version": LOG_VERSION, "scenario": scenario.name,
                       "seed": seed, "sets": list(sets), "floor": as_dict(floor),
                       "parameters": to_dict(scenario)})
        for _ in range(floor.start_day * MINUTES):
            self.step_minute(())

    # -- students ---------------------------------------------------------------------------

    @property
    def start_minute(self) -> int:
        """The first minute students may trade in."""
        return self.floor.start_day * MINUTES

    @property
    def ended(self) -> bool:
        """True once the scenario's last day has closed."""
        return not self.running

    def join(self, name: str) -> Student:
        """Open `name`'s account with the floor's cash and shares, for the next minute on."""
        ex = self.exchange
        ns = len(self.tickers)
        cash = int(round(self.floor.cash * 100))
        shares = np.full((1, ns), self.floor.shares, np.int64)
        acct = ex.add_accounts(np.array([cash], np.int64), shares)
        marks = ex.last_prices()
        st = Student(index=len(self.students), name=name, account=acct, joined=self.minutes_done,
                     wealth0=cash + int(shares[0] @ marks))
        self.students.append(st)
        self.cash_total += cash
        self.shares_total = self.shares_total + shares[0]
        if self._log is not None:
            self._log.write({"type": "join", "minute": self.minutes_done, "student": st.index,
                             "name": name})
        return st

    def marks(self) -> np.ndarray:
        """Last trade price per stock in cents (the previous close before any trade)."""
        return self.exchange.last_prices()

    def account(self, k: int) -> tuple[int, np.ndarray]:
        """Student k's cash (cents) and shares per stock (a copy)."""
        a = self.students[k].account
        return int(self.exchange.cash[a]), self.exchange.shares[a].copy()

    def open_orders(self, k: int) -> list[StudentOrder]:
        """Student k's orders resting in the books."""
        return [o for o in self._open.values() if o.student == k and o.status == "open"]

    def student_tape(self) -> np.ndarray:
        """Every fill with a student on either side, as the exchange's tape had it
        (TAPE_DTYPE, in time order)."""
        return np.concatenate(self._tape) if self._tape else np.zeros(0, TAPE_DTYPE)

    # -- stepping -----------------------------------------------------------------------------

    def step_minute(self, actions=()) -> None:
        """Step one minute; `actions` (Action) enter at its start, in order (at the next minute
        with a continuous session when this one is all call: the closing call's)."""
        if not self.running:
            raise FloorError("session", "the scenario has ended: no more minutes to trade")
        self._due = self._carry + list(actions)
        self._carry = []
        self.step()
        if self._due is not None:  # no continuous trading this minute: enter at the next
            self._carry, self._due = self._due, None
        self.minutes_done += 1
        self._refresh_orders()
        if not self.running and self._log is not None:  # the scenario's last close
            self._log.write({"type": "end", "minute": self.minutes_done})

    def before_ticks(self, t0, *, call_phase, clock_moves):
        """At the minute's first continuous ticks the students' actions go in at t0, before
        the agents act."""
        if self._due is not None and clock_moves and not call_phase:
            due, self._due = self._due, None
            self._enter(int(t0), due)

    def before_bar(self, *, closing):
        """A student's order may have traded: keep the students' rows of the tape."""
        if self._open:
            tr = self.exchange.trades(0)
            n0 = self.n_agents
            mine = (tr["buyer"] >= n0) | (tr["seller"] >= n0)
            if mine.any():
                self._book_fills(tr[mine])

    # -- entering actions ------------------------------------------------------------------------

    def _enter(self, t0: int, due: list[Action]) -> None:
        g = self.minutes_done
        self._margin_calls(t0, g)
        for a in due:
            if self._log is not None:
                self._log.write(_action_record(a, g, self.tickers))
            if a.kind == "cancel":
                self._enter_cancel(a, t0)
            else:
                self._enter_order(a, t0, g)

    def _submit(self, side, kind, price, qty, trader, stock, t, cancel_id=0) -> int:
        row = np.zeros(1, ORDER_DTYPE)
        row[0] = (cancel_id, side, int(kind), price, qty, trader, stock, int(Motive.STUDENT), t)
        return int(self.exchange.submit(row)[0])

    def _enter_order(self, a: Action, t0: int, g: int) -> None:
        o = StudentOrder(id=a.id, student=a.student, stock=a.stock, side=a.side, kind=a.type,
                         qty=a.qty, price=a.price, minute=g)
        self.orders[o.id] = o
        st = self.students[a.student]
        st.orders.append(o.id)
        st.version += 1
        cash, shares = self.account(a.student)
        pending = [(p.stock, p.side, p.resting, p.price) for p in self.open_orders(a.student)]
        try:
            check_buying_power(cash, shares, self.marks(), pending + [
                (o.stock, o.side, o.qty, o.price)], max_leverage=self.floor.max_leverage,
                band_pct=self.floor.price_band_pct, short_selling=self.floor.short_selling,
                tickers=self.tickers)
            kind = _Kind.MARKET if o.kind == "market" else _Kind.LIMIT
            o.xid = self._submit(o.side, kind, o.price or 0, o.qty, st.account, o.stock, t0)
        except (FloorError, InvalidOrderError) as e:
            o.status, o.reason = "rejected", f"when it entered at {clock_text(g)[1]}: {e}"
            return
        o.status = "open"
        self._by_xid[o.xid] = o.id
        self._open[o.id] = o

    def _enter_cancel(self, a: Action, t0: int) -> None:
        o = self.orders.get(a.id)
        if o is None or o.student != a.student or o.status != "open":
            return  # filled or gone meanwhile: nothing to cancel
        self._submit(0, _Kind.CANCEL, 0, 0, self.students[a.student].account, o.stock, t0,
                     cancel_id=o.xid)
        o.status, o.reason = "cancelled", "cancelled by you"
        self.students[a.student].version += 1

    def _margin_calls(self, t0: int, g: int) -> None:
        """Students under the maintenance limit: cancel their resting orders and cut every
        position by market orders back to max_leverage x equity (all of it at equity <= 0)."""
        f = self.floor
        marks = self.marks()
        for st in self.students:
            cash, shares = self.account(st.index)
            ms = margin_state(cash, shares, marks, max_leverage=f.max_leverage)
            gross, equity = ms["gross"] * 100, ms["equity"] * 100
            if gross <= 0 or equity >= f.maintenance * gross:
                continue
            for o in self.open_orders(st.index):
                self._submit(0, _Kind.CANCEL, 0, 0, st.account, o.stock, t0, cancel_id=o.xid)
                o.status, o.reason = "cancelled", "cancelled by your margin call"
            cut = 1.0 if equity <= 0 else 1.0 - f.max_leverage * equity / gross
            day, hhmm = clock_text(g)
            call = {"minute": g, "date": self.dates[min(day, len(self.dates) - 1)],
                    "time": hhmm, "student": st.index, "name": st.name,
                    "equity": equity / 100, "gross": gross / 100, "orders": []}
            for s in np.flatnonzero(shares):
                q = min(abs(int(shares[s])), math.ceil(abs(int(shares[s])) * cut))
                if q <= 0:
                    continue
                self._forced_seq += 1
                side = SELL if shares[s] > 0 else BUY
                o = StudentOrder(id=-self._forced_seq, student=st.index, stock=int(s),
                                 side=side, kind="market", qty=q, price=None, minute=g,
                                 forced=True, reason="your margin call")
                o.xid = self._submit(side, _Kind.MARKET, 0, q, st.account, int(s), t0)
                o.status = "open"
                self.orders[o.id] = o
                st.orders.append(o.id)
                self._by_xid[o.xid] = o.id
                self._open[o.id] = o
                call["orders"].append({"id": o.id, "ticker": self.tickers[s],
                                       "side": "sell" if side == SELL else "buy", "qty": q})
            st.forced.append(call)
            st.version += 1
            self.margin_calls.append(call)

    # -- after the minute --------------------------------------------------------------------

    def _book_fills(self, rows: np.ndarray) -> None:
        self._tape.append(rows.copy())
        n0 = self.n_agents
        for r in rows:
            for who, side in ((int(r["buyer"]), BUY), (int(r["seller"]), SELL)):
                if who < n0:
                    continue
                # the order behind this side: the incoming order's id is the taker's (an
                # auction fill names the buy order as taker, the sell order as maker)
                ts = int(r["taker_side"])
                mine = int(r["taker"]) if (ts == side or (ts == 0 and side == BUY)) else int(
                    r["maker"])
                fid = self._by_xid.get(mine)
                o = self.orders[fid]
                q, p = int(r["qty"]), int(r["price"])
                o.filled += q
                o.value += q * p
                t = int(r["time"])
                day, sec = divmod(t, SESSION_SECONDS)
                self.students[o.student].version += 1
                self.students[o.student].fills.append({
                    "order": fid, "ticker": self.tickers[int(r["stock"])],
                    "side": "buy" if side == BUY else "sell", "qty": q, "price": p,
                    "time": t, "minute": day * MINUTES + sec // 60,
                    "date": self.dates[min(day, len(self.dates) - 1)],
                    "clock": f"{9 + (1800 + sec) // 3600:02d}:{(1800 + sec) % 3600 // 60:02d}:"
                             f"{sec % 60:02d}", "forced": o.forced})

    def _refresh_orders(self) -> None:
        if not self._open:
            return
        rest = self.exchange.resting_orders(self.n_agents)
        resting = {int(i): (int(q), int(p)) for i, q, p in zip(rest["id"], rest["qty"],
                                                                rest["price"], strict=True)}
        for fid, o in list(self._open.items()):
            self.students[o.student].version += 1
            if o.status == "open" and o.xid in resting:
                o.resting, o.rest_price = resting[o.xid]
                continue
            o.resting = 0
            if o.status == "open":
                if o.filled == o.qty:
                    o.status = "filled"
                elif o.forced:
                    o.status, o.reason = "expired", (
                        "your margin call: the rest found nobody to trade with; the call comes "
                        "again at the next minute while you are under the limit")
                elif o.kind == "market":
                    o.status, o.reason = "expired", (
                        o.reason or "the rest found nobody to trade with (an empty side, or "
                        "the stock in a pause or auction call)")
                else:
                    o.status, o.reason = "expired", "day orders expire at the close"
            del self._open[fid]

    # -- views ----------------------------------------------------------------------------------

    def order_view(self, o: StudentOrder) -> dict:
        """An order as the API shows it (prices in dollars)."""
        return {"id": o.id, "ticker": self.tickers[o.stock],
                "side": "buy" if o.side == BUY else "sell", "type": o.kind, "qty": o.qty,
                "price": None if o.price is None else o.price / 100, "status": o.status,
                "filled": o.filled, "resting": o.resting,
                "rest_price": None if o.rest_price is None else o.rest_price / 100,
                "avg_price": round(o.value / o.filled / 100, 4) if o.filled else None,
                "minute": o.minute, "reason": o.reason, "forced": o.forced}

    def student_view(self, k: int, marks=None, fills_limit: int | None = 200,
                     lists: tuple | None = None) -> dict:
        """Student k's cash, positions, P&L, margin, fills (the last `fills_limit`; None: all)
        and orders (every open one and the last 100 done), prices in dollars. `lists`: their
        (fills, orders, margin calls) as `student_lists` gives them, when already built."""
        st = self.students[k]
        marks = self.marks() if marks is None else marks
        cash, shares = self.account(k)
        ms = margin_state(cash, shares, marks, max_leverage=self.floor.max_leverage)
        fills, orders, forced = self.student_lists(k, fills_limit) if lists is None else lists
        return {
            "name": st.name, "cash": cash / 100,
            "positions": {t: int(shares[s]) for s, t in enumerate(self.tickers)},
            "pnl": round(ms["equity"] - st.wealth0 / 100, 2), **ms,
            "max_leverage": self.floor.max_leverage, "maintenance": self.floor.maintenance,
            "fills": fills, "fills_total": len(st.fills), "orders": orders, "forced": forced,
        }

    def student_lists(self, k: int, fills_limit: int | None = 200) -> tuple[list, list, list]:
        """Student k's fills (the last `fills_limit`, dollars), orders (`orders_view`) and
        margin calls: what changes only when their `Student.version` does."""
        st = self.students[k]
        fills = st.fills if fills_limit is None else st.fills[-fills_limit:]
        return ([dict(f, price=f["price"] / 100) for f in fills], self.orders_view(k),
                list(st.forced))

    def orders_view(self, k: int, done: int = 100) -> list[dict]:
        """Student k's orders as the API shows them: every open one, then the last `done`
        finished ones, oldest first."""
        mine = [self.orders[i] for i in self.students[k].orders]
        live = [o for o in mine if o.status == "open"]
        old = [o for o in mine if o.status != "open"][-done:] if done else []
        return [self.order_view(o) for o in live + old]

    def conserved(self) -> bool:
        """Cash and shares summed over every account (agents and students) equal what the
        agents started with plus the students' endowments: trading moved them, never made
        them."""
        ex = self.exchange
        return (int(ex.cash.sum()) == self.cash_total
                and bool((ex.shares.sum(axis=0) == self.shares_total).all()))


def _action_record(a: Action, minute: int, tickers) -> dict:
    if a.kind == "cancel":
        return {"type": "cancel", "minute": minute, "id": a.id, "student": a.student}
    return {"type": "order", "minute": minute, "id": a.id, "student": a.student,
            "ticker": tickers[a.stock], "side": "buy" if a.side == BUY else "sell",
            "order_type": a.type, "qty": a.qty, "price": a.price}


def _action_from(rec: dict, tickers, line: str) -> Action:
    try:
        if rec["type"] == "cancel":
            return Action("cancel", int(rec["id"]), int(rec["student"]))
        return Action("order", int(rec["id"]), int(rec["student"]),
                      stock=tickers.index(rec["ticker"]),
                      side=BUY if rec["side"] == "buy" else SELL, type=rec["order_type"],
                      qty=int(rec["qty"]),
                      price=None if rec["price"] is None else int(rec["price"]))
    except (KeyError, ValueError, TypeError) as e:
        raise LogError(f"{line}: {e}") from None


def replay(path, segment: int = -1, until: int | None = None) -> FloorWorld:
    """Rebuild a session from its log (scenarios.floor.log): the same scenario, seed, floor
    and actions at their minutes; step to the logged end (or to minute `until`).

    Raises:
        LogError: an unreadable log, or one whose scenario's parameters differ from what the
            scenario gives today (the code changed since).
    """
    from scenarios.library.catalog import get_scenario

    seg = read_segments(path)[segment]
    head = seg[0]
    if head.get("version") != LOG_VERSION:
        raise LogError(f"{path}: version: must be {LOG_VERSION} (got {head.get('version')!r})")
    try:
        sc = apply_overrides(get_scenario(head["scenario"]), list(head["sets"]))
        sc = dataclasses.replace(sc, seed=int(head["seed"]))
        floor = floor_from_dict(head["floor"])
    except (KeyError, ValueError) as e:
        raise LogError(f"{path}: session line: {e}") from None
    if to_dict(sc) != head["parameters"]:
        raise LogError(f"{path}: parameters: the scenario {sc.name!r} with these sets is not "
                       "the one the session ran (the code changed since?)")
    w = FloorWorld(sc, floor, sc.seed)
    joins: dict[int, list[dict]] = {}
    acts: dict[int, list[Action]] = {}
    end = w.minutes_done
    for i, rec in enumerate(seg[1:], 2):
        kind = rec.get("type")
        if kind not in ("join", "order", "cancel", "end"):
            continue
        g = int(rec["minute"])
        end = max(end, g + (0 if kind == "end" else 1))
        if kind == "join":
            joins.setdefault(g, []).append(rec)
        elif kind in ("order", "cancel"):
            acts.setdefault(g, []).append(_action_from(rec, w.tickers, f"{path}: record {i}"))
    stop = end if until is None else int(until)
    while w.minutes_done < stop and w.running:
        g = w.minutes_done
        for rec in joins.get(g, ()):
            w.join(rec["name"])
        w.step_minute(acts.get(g, ()))
    return w
