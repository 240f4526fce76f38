"""Slow, obviously-correct twin of `market.match_stream`, and a declarative book builder.

Plain Python only: a side of the book is a dict price (ticks) -> deque of [id, qty] in arrival
order; the best price is max()/min() over the dict's keys. Nothing here is fast on purpose.
"""

import math
from collections import deque

import numpy as np
from hypothesis import strategies as st

from market import ORDER_DTYPE, InvalidOrderError, OrderKind, Side

__all__ = [
    "ReferenceBook",
    "book_with",
    "first_invalid",
    "make_orders",
    "reference_match",
    "streams",
]

LIMIT, MARKET, CANCEL, IOC = (int(k) for k in OrderKind)
BUY, SELL = int(Side.BUY), int(Side.SELL)


def make_orders(rows) -> np.ndarray:
    """ORDER_DTYPE array from (id, side, kind, price, qty) tuples."""
    out = np.zeros(len(rows), ORDER_DTYPE)
    for i, (oid, side, kind, price, qty) in enumerate(rows):
        out[i] = (oid, side, kind, price, qty, 0, 0, 0, 0)
    return out


def book_with(bids=(), asks=(), first_id: int = 1) -> np.ndarray:
    """LIMIT rows that build a book: bids=[(price, [qty, ...]), ...], asks likewise.

    Ids are assigned first_id, first_id + 1, ... in the order listed (bids first, then asks);
    within a level the quantities are queued in the order listed. The book must not cross.
    """
    bid_prices = [p for p, _ in bids]
    ask_prices = [p for p, _ in asks]
    if bid_prices and ask_prices and max(bid_prices) >= min(ask_prices):
        raise ValueError("book_with: bids and asks cross")
    rows = []
    oid = first_id
    for side, levels in ((BUY, bids), (SELL, asks)):
        for price, qtys in levels:
            for q in qtys:
                rows.append((oid, side, LIMIT, price, q))
                oid += 1
    return make_orders(rows)


def _row_field(kind: int, side: int, price: int, qty: int) -> str | None:
    """The first invalid field of a row, looked at alone, in the order the engine checks them."""
    if kind not in (LIMIT, MARKET, CANCEL, IOC):
        return "kind"
    if kind == CANCEL:
        return None
    if side not in (BUY, SELL):
        return "side"
    if qty <= 0:
        return "qty"
    if kind in (LIMIT, IOC) and price < 1:
        return "price"
    return None


class ReferenceBook:
    """One book, replayed a row at a time. `live` maps the id of every resting order to its
    (side, price); `sides` maps a side to price (ticks) -> deque of [id, qty], oldest first."""

    def __init__(self):
        self.sides = {BUY: {}, SELL: {}}
        self.live = {}

    def invalid_field(self, oid: int, side: int, kind: int, price: int, qty: int) -> str | None:
        """The field that makes this row invalid now, or None."""
        bad = _row_field(kind, side, price, qty)
        if bad is None and kind != CANCEL and oid in self.live:
            bad = "id"
        return bad

    def step(self, oid: int, side: int, kind: int, price: int, qty: int) -> list:
        """Apply one valid row; return its fills (taker, maker, price, qty)."""
        if kind == CANCEL:
            if oid in self.live:
                sd, p = self.live.pop(oid)
                queue = self.sides[sd][p]
                for entry in queue:
                    if entry[0] == oid:
                        queue.remove(entry)
                        break
                if not queue:
                    del self.sides[sd][p]
            return []
        fills = []
        opposite = self.sides[-side]
        while qty > 0 and opposite:
            best = min(opposite) if side == BUY else max(opposite)
            if kind != MARKET and (best > price if side == BUY else best < price):
                break
            queue = opposite[best]
            maker = queue[0]
            f = min(qty, maker[1])
            fills.append((oid, maker[0], best, f))
            qty -= f
            maker[1] -= f
            if maker[1] == 0:
                queue.popleft()
                del self.live[maker[0]]
                if not queue:
                    del opposite[best]
        if qty > 0 and kind == LIMIT:
            self.sides[side].setdefault(price, deque()).append([oid, qty])
            self.live[oid] = (side, price)
        return fills


def _run(orders):
    """Replay; return (fills, None) or (fills so far, (row, field)) at the first invalid row."""
    book = ReferenceBook()
    fills = []
    for i, r in enumerate(np.asarray(orders).reshape(-1)):
        row = int(r["id"]), int(r["side"]), int(r["kind"]), int(r["price"]), int(r["qty"])
        bad = book.invalid_field(*row)
        if bad is not None:
            return fills, (i, bad)
        fills += book.step(*row)
    return fills, None


def first_invalid(orders) -> tuple[int, str] | None:
    """(row, field) of the first invalid row of the stream, or None when every row is valid.

    A row is invalid alone (unknown kind; for a non-cancel an unknown side, qty <= 0, or price < 1
    for LIMIT/IOC) or in context (a non-cancel reusing the id of a live order).
    """
    return _run(orders)[1]


def reference_match(orders) -> list[tuple[int, int, int, int]]:
    """Every fill (taker id, maker id, price in ticks, qty) of the stream, in execution order.

    Raises:
        InvalidOrderError: at the first invalid row (see `first_invalid`).
    """
    fills, bad = _run(orders)
    if bad is not None:
        raise InvalidOrderError(bad[0], bad[1], "valid (reference engine)")
    return fills


# hypothesis strategy shared by the match_stream and Exchange tests

_KINDS = [LIMIT] * 5 + [MARKET] * 2 + [IOC] * 2 + [CANCEL] * 3
ID_BASES = st.sampled_from([0, -50, 2**40])


@st.composite
def streams(draw, prices, max_rows=50, reuse=True, ids=ID_BASES):
    """A valid stream: limits, markets, IOCs, cancels of live, dead and unknown ids.

    With `reuse`, a non-cancel row may take the id of an order that is no longer live.
    """
    n = draw(st.integers(0, max_rows))
    next_id = draw(ids)
    book = ReferenceBook()
    used = []
    rows = []
    for _ in range(n):
        kind = draw(st.sampled_from(_KINDS))
        if kind == CANCEL:
            pick = draw(st.integers(0, 3))
            if used and pick > 0:
                oid = draw(st.sampled_from(sorted(book.live))) if pick == 1 and book.live else (
                    draw(st.sampled_from(used)))
            else:
                oid = next_id + 10**6  # never used
            side, price, qty = draw(st.integers(-128, 127)), draw(prices), draw(st.integers(-5, 5))
        else:
            dead = [i for i in used if i not in book.live]
            if reuse and dead and draw(st.integers(0, 4)) == 0:
                oid = draw(st.sampled_from(dead))
            else:
                oid = next_id
                next_id += 1
            side = draw(st.sampled_from([BUY, SELL]))
            price = draw(prices) if kind != MARKET else draw(st.integers(-10, 10))
            qty = draw(st.integers(1, 12))
            used.append(oid)
        book.step(oid, side, kind, price, qty)
        rows.append((oid, side, kind, price, qty))
    return make_orders(rows)


# ---------------------------------------------------------------------------------------------
# ABIDES's RMSC04 agents (agents/population.py AbidesNoise ... AbidesMaker), in plain Python,
# written from their docstrings and ABIDES's agents; random numbers from `TwinRng`, the same
# stream as the kernels' xoshiro256** state, drawn in the order the docstrings give.
# ---------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
SESSION_S = 23_400  # seconds in a session, 09:30-16:00

#: RMSC04's order-size model: (weight, shares) of its round lots; the other 0.2 is log-normal
ABIDES_LOTS = ((0.7, 100), (0.06, 200), (0.004, 300), (0.0329, 400), (0.001, 500),
               (0.0006, 600), (0.0004, 700), (0.0005, 800), (0.0003, 900), (0.0003, 1000))


class TwinRng:
    """xoshiro256** in Python integers (state: four 64-bit words); uniform() and Box-Muller
    normal() as agents/_kernels.py documents them."""

    def __init__(self, words):
        self.s = [int(w) for w in words]

    def uniform(self) -> float:
        s = self.s

        def rotl(x, k):
            return ((x << k) | (x >> (64 - k))) & _MASK64

        result = (rotl((s[1] * 5) & _MASK64, 7) * 9) & _MASK64
        t = (s[1] << 17) & _MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return (result >> 11) * 2.0**-53

    def normal(self) -> float:
        u = self.uniform()
        while u <= 1e-300:
            u = self.uniform()
        return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * self.uniform())


def abides_size_twin(rng: TwinRng, scale: float) -> int:
    """One draw of RMSC04's order size (shares) times `scale`, rounded half up."""
    u = rng.uniform()
    if u < 0.2:
        x = math.exp(2.9 + 1.2 * rng.normal())
    else:
        edge, x = 0.2, 1000.0
        for w, lot in ABIDES_LOTS:
            edge += w
            if u < edge:
                x = float(lot)
                break
    return math.floor(x * scale + 0.5)


def abides_noise_twin(wake_s, done_day, scale, t, b, a, rng):
    """(send, side, price, qty, done_day after): one order a day at its first look at or after
    wake_s seconds into the session, at the opposite best, side 50/50."""
    day = t // SESSION_S
    if t - day * SESSION_S < wake_s or done_day >= day:
        return False, 0, 0, 0, done_day
    buy = rng.uniform() < 0.5
    q = abides_size_twin(rng, scale)
    if buy and a > 0:
        return True, 1, a, q, day
    if not buy and b > 0:
        return True, -1, b, q, day
    return False, 0, 0, 0, day


def abides_value_twin(value_ticks, obs_sd, kappa, r_bar, aggr, depth, scale, t, b, a, rng,
                      lo, hi):
    """(side, price, qty) of a value agent's order: observation shrunk toward r_bar to the
    close; buy at the ask less an offset at or above ABIDES's integer mid, else sell at the
    bid plus it; prices clipped to the book's window [lo, hi]."""
    obs = value_ticks + obs_sd * rng.normal()
    to_close = (t // SESSION_S + 1) * SESSION_S - t
    est = math.floor(r_bar + (obs - r_bar) * math.exp(-kappa * to_close) + 0.5)

    def clip(p):
        return min(max(p, lo), hi)

    if b > 0 and a > 0:
        off = 0
        if not rng.uniform() < aggr:
            off = int(rng.uniform() * int(depth * (a - b)))
        q = abides_size_twin(rng, scale)
        if est < (a + b) // 2:
            return -1, clip(b + off), q
        return 1, clip(a - off), q
    side = 1 if rng.uniform() < 0.5 else -1
    return side, clip(est), abides_size_twin(rng, scale)


class AbidesMomentumTwin:
    """A momentum agent's averages of the mids it saw (exponential, weight 2 / (n + 1), the
    first mid starting both) and its orders once it has seen more than slow_n."""

    def __init__(self, fast_n, slow_n, scale):
        self.af, self.asl = 2 / (fast_n + 1), 2 / (slow_n + 1)
        self.slow_n, self.scale = slow_n, scale
        self.fast = self.slow = None
        self.seen = 0

    def wake(self, b, a, rng):
        """(send, side, price, qty) at a wake-up with best bid b and ask a (0: none)."""
        if not (b > 0 and a > 0):
            return False, 0, 0, 0
        m = (a + b) / 2
        self.seen += 1
        if self.fast is None:
            self.fast = self.slow = m
        else:
            self.fast += self.af * (m - self.fast)
            self.slow += self.asl * (m - self.slow)
        if self.seen <= self.slow_n:
            return False, 0, 0, 0
        q = abides_size_twin(rng, self.scale)
        return (True, 1, a, q) if self.fast >= self.slow else (True, -1, b, q)


def abides_ladder_twin(spread, alpha, spacing, skew, pov, min_size, legs, b, a, last_mid,
                       fills, t, lo, hi):
    """(bids, asks, spread after) of an adaptive POV maker's requote at time t: each a list of
    (price, qty), inner level first. `fills` are (time, qty, taker side) of its stock's fills
    on the tape; those of this minute count, their volume scaled to 60 s."""
    if b > 0 and a > 0:
        spread = alpha * (a - b) + (1 - alpha) * spread
        mid = (a + b) // 2
    else:
        mid = int(last_mid)
    start = t - t % 60
    mine = [(q, side) for (tm, q, side) in fills if start <= tm <= t]
    buy = sum(q for q, side in mine if side == 1)
    vol = sum(q for q, _ in mine)
    q = max(min_size, round(pov * (vol * 60 / (t - start + 1))))  # pov x a minute's volume
    if vol > 0:
        mid = int(mid + (2 * buy / vol - 1) * skew)
    step = max(1, round(spacing * spread))
    top_bid = mid - math.floor(spread / 2)
    low_ask = mid + math.ceil(spread / 2)

    def clip(p):
        return min(max(p, lo), hi)

    bids = [(clip(top_bid - k * step), q) for k in range(legs)]
    asks = [(clip(low_ask + k * step), q) for k in range(legs)]
    return bids, asks, spread
