"""What a kind's slow twin is given and returns: plain Python values, no numba, no arrays.

A twin restates its kind's rule from the docstrings, one obvious step at a time, so the tests
can drive the compiled decision against it (tests/test_twins.py). `Situation.of` reads one
investor's situation out of the arrays the kernel gets; the twin returns the orders the kernel
sends, in order, as `Order`s, and whatever of the investor's state the decision changes.
Random numbers come from `TwinRng`, the kernels' xoshiro256** stream in Python integers, so a
twin draws the same numbers as the kernel when it draws in the order the docstring gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["TwinRng", "Order", "Situation", "BUY", "SELL", "LIMIT", "MARKET"]

BUY, SELL = 1, -1  # market.Side
LIMIT, MARKET = 0, 1  # market.OrderKind
_MASK64 = (1 << 64) - 1


class TwinRng:
    """xoshiro256** (Blackman & Vigna) in Python integers (state: four 64-bit words):
    `uniform` from the top 53 bits of each output, `normal` by Box-Muller (the cosine of the
    pair), as agents/_kernels.py documents them."""

    def __init__(self, words):
        self.s = [int(w) for w in words]

    def uniform(self) -> float:
        """Uniform on [0, 1)."""
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
        """Standard normal."""
        u = self.uniform()
        while u <= 1e-300:
            u = self.uniform()
        return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * self.uniform())


@dataclass(frozen=True)
class Order:
    """One order a decision sends: stock, side (+1 buy, -1 sell), kind (0 limit, 1 market),
    price (ticks; 0 for a market order), qty (shares; 0: only cancel the slot's order), motive
    (market.Motive), slot (0 bid, 1 ask)."""

    stock: int
    side: int
    kind: int
    price: int
    qty: int
    motive: int
    slot: int = 0


@dataclass
class Situation:
    """Investor i's situation as its decision sees it, in plain Python.

    par: its parameter row by column name; bias, conv, capital (cents), w0 (cents), anchor,
    fflow, basket (per stock): its state; cash (cents), shares (per stock): its account;
    bids, asks, lo, hi: per stock, the best prices (0: none) and the prices a limit may take
    (the book's window less its edge levels); market: the loop's market view, each array as
    a list (``market["logv"][s]``; cfg by index); hear, hsal: per news row, its times and
    salience; tape: this minute's fills as (time, stock, qty, taker side); rng: the decision
    stream; legs: 1 + the rows right after it of its kind with no size of their own (a
    ladder's levels).
    """

    code: int
    home: int
    t: int
    call_phase: bool
    par: dict
    bias: float
    conv: float
    capital: float
    w0: float
    anchor: float
    fflow: float
    basket: list
    cash: int
    shares: list
    bids: list
    asks: list
    lo: list
    hi: list
    market: dict
    hear: list
    hsal: list
    tape: list
    rng: TwinRng
    legs: int = 1
    changed: dict = field(default_factory=dict)  # state the decision changes, by name

    @classmethod
    def of(cls, ex, inv, mk, i: int, t: int, call_phase: bool, columns) -> Situation:
        """Read investor i's situation out of the exchange and the loop's arrays (copies:
        the twin changes nothing in them)."""
        book, acc, tape = ex.book, ex.acc, ex.tape
        ns = len(mk.logv)
        base = [int(book.bs[s, 0]) for s in range(ns)]
        nlev = [int(book.bs[s, 2]) for s in range(ns)]
        bids, asks = [], []
        for s in range(ns):
            b, a = ex.best(s)
            bids.append(int(b))
            asks.append(int(a))
        rows = tape.rows[: int(tape.n[0])]
        names = ("time", "stock", "qty", "taker_side")
        from market.types import TAPE_DTYPE

        col = [TAPE_DTYPE.names.index(c) for c in names]
        market = {name: [float(x) for x in getattr(mk, name)] for name in (
            "logv", "logp", "var", "var_ref", "risk_var", "risk_ref", "ema_fast", "ema_slow",
            "prev_close", "flow", "isnews", "sal", "cfg")}
        market["jump"] = [[float(x) for x in row] for row in mk.jump]
        market["tjump"] = [[float(x) for x in row] for row in mk.tjump]
        acct = int(inv.acct[i])
        return cls(
            code=int(inv.kind[i]), home=int(inv.home[i]), t=int(t), call_phase=bool(call_phase),
            par={c: float(inv.par[i, k]) for k, c in enumerate(columns)},
            bias=float(inv.bias[i]), conv=float(inv.conv[i]), capital=float(inv.capital[i]),
            w0=float(inv.w0[i]), anchor=float(inv.anchor[i]), fflow=float(inv.fflow[i]),
            basket=[float(x) for x in inv.basket[i]], cash=int(acc.cash[acct]),
            shares=[int(x) for x in acc.shares[acct]], bids=bids, asks=asks,
            lo=[b + 1 for b in base], hi=[b + n - 2 for b, n in zip(base, nlev, strict=True)],
            market=market, hear=[float(h) for h in inv.hear[:, i]],
            hsal=[float(h) for h in inv.hsal[:, i]],
            tape=[tuple(int(r[c]) for c in col) for r in rows],
            rng=TwinRng(mk.rng.copy()), legs=_legs(inv, i))

    # small obvious helpers every twin shares ------------------------------------------------

    def mid(self, s: int) -> float:
        """The mid (ticks) of stock s: halfway between the bests, the last mid (exp logp)
        when a side is empty."""
        b, a = self.bids[s], self.asks[s]
        if b > 0 and a > 0:
            return (b + a) / 2
        return math.exp(self.market["logp"][s])

    def clip(self, s: int, p: int) -> int:
        """Price p within stock s's window."""
        return min(max(p, self.lo[s]), self.hi[s])

    def drawn_size(self) -> int:
        """The order size a single-stock trader draws first: size x (0.5 + u), whole shares
        rounded down, at least 1."""
        u = self.rng.uniform()
        return max(1, math.floor(self.par["size"] * (0.5 + u)))


def _legs(inv, i: int) -> int:
    n = 1
    while (i + n < inv.kind.size and inv.kind[i + n] == inv.kind[i]
           and inv.par[i + n, 0] == 0.0):
        n += 1
    return n
