"""ABIDES RMSC04's adaptive POV market makers: at Poisson wake-ups each cancels its ladder and
posts `num_ticks` bids and as many asks sized by a share of the last minute's volume.

Columns: size (the leader's minimum order size; 0 on the rows of its ladder's other levels),
pov, level_spacing, spread_alpha, price_skew, and the agent's state spread (ticks).
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register
from ._jit import K, kernel
from ._twin import BUY, LIMIT, SELL, Order

__all__ = ["AbidesMaker", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "pov", "level_spacing", "spread_alpha", "price_skew", "spread")
POV, SPACING, ALPHA, SKEW, SPREAD = range(1, 6)
CODE = int(K.Kind.ABIDES_MAKER)


@dataclass(frozen=True)
class AbidesMaker:
    """RMSC04's adaptive POV market makers: Poisson wake-ups; each cancels its ladder and posts
    `num_ticks` bids and as many asks of pov x the volume traded in the last minute (at least
    min_order_size). The ladder's inner prices sit half a spread around the mid moved by
    price_skew ticks times the trade imbalance; levels are level_spacing spreads apart, the
    spread being an exponential average of observed spreads (weight spread_alpha, starting at
    50 ticks). Inventory is ignored (skew_beta 0) and no backstop is posted (backstop 0).

    Each level of the ladder is an investor row of its own (a row holds one bid and one ask);
    the first row leads and requotes them all. The volume seen is that of the current minute
    scaled to 60 s (the tape holds fills since the last minute bar). RMSC04's makers also
    requote on a book-imbalance signal; these do not.
    """

    per_stock: int = param(0, 0, 100, doc="market makers per stock (RMSC04: 2)")
    # wake_up_freq 60 s, poisson_arrival True
    rate_per_min: float = param(1.0, 0.0, 600.0, doc="requotes per minute (RMSC04: 1)")
    pov: float = param(0.025, 1e-6, 1.0, doc="share of last minute's volume per level "
                       "(RMSC04: 0.025)")
    min_order_size: int = param(1, 1, 1_000_000, doc="shares, at least (RMSC04: 1)")
    num_ticks: int = param(10, 1, 100, doc="levels on each side (RMSC04: 10)")
    level_spacing: float = param(5.0, 0.01, 100.0, doc="level spacing in spreads (RMSC04: 5)")
    spread_alpha: float = param(0.75, 0.0, 1.0, doc="weight of the newest spread in the "
                                "average (RMSC04: 0.75)")
    price_skew: float = param(4.0, 0.0, 1000.0, doc="ticks the ladder moves per unit of trade "
                              "imbalance (RMSC04: 4)")



@kernel
def _ladder(ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 adaptive POV market maker (row i leads; rows i+1.. of size 0 are its levels):
    cancels its whole ladder, then posts one bid and one ask per row.

    Size: pov x the shares traded in stock s over the last 60 s (the tape holds this minute's
    fills: their volume is scaled to 60 s), at least the leader's size. Spread: an average of
    the quoted spread, weight spread_alpha on the newest (state in column `spread`, ticks).
    The inner bid is the skewed mid less floor(spread / 2), the inner ask it plus
    ceil(spread / 2); levels are round(level_spacing * spread) ticks apart, at least 1. The mid
    is skewed by price_skew ticks times the trade imbalance (2 buy volume / volume - 1, by the
    side of the incoming order). Nothing is sent in a call phase.
    """
    if call_phase:
        return
    book, tape = ex[0], ex[3]
    par = inv.par
    n = inv.kind.size
    legs = 1
    while i + legs < n and inv.kind[i + legs] == CODE and par[i + legs, K.P_SIZE] == 0.0:
        legs += 1
    if b > 0 and a > 0:
        w = par[i, ALPHA]
        par[i, SPREAD] = w * (a - b) + (1.0 - w) * par[i, SPREAD]
        imid = (a + b) // 2
    else:  # ABIDES keeps its last mid; the loop's last mid is that
        imid = int(mid)
    t0 = t - t % 60  # the start of this minute
    buy_v = 0
    sell_v = 0
    rows = tape.rows
    for r in range(tape.n[0] - 1, -1, -1):
        if rows[r, K.TP_TIME] < t0:
            break
        if rows[r, K.TP_STOCK] == s:
            if rows[r, K.TP_TSIDE] == K.BUY:
                buy_v += rows[r, K.TP_QTY]
            else:
                sell_v += rows[r, K.TP_QTY]
    vol = (buy_v + sell_v) * 60.0 / (t - t0 + 1)
    q = max(int(par[i, K.P_SIZE]), int(np.rint(par[i, POV] * vol)))
    if buy_v + sell_v > 0:
        imid = int(imid + (2.0 * buy_v / (buy_v + sell_v) - 1.0) * par[i, SKEW])
    win = par[i, SPREAD]
    step = max(1, int(np.rint(par[i, SPACING] * win)))
    top_bid = imid - int(np.floor(0.5 * win))
    low_ask = imid + int(np.ceil(0.5 * win))
    # The whole ladder is cancelled before the new one goes out (as ABIDES does: a new level
    # could otherwise trade with an old one). One call site of the exchange: the matcher is
    # inlined there, and each copy costs compile time (a `_send` holds two).
    pool, acc, rules = ex[1], ex[2], ex[4]
    bs, lv, o, free, meta = book.bs, book.lv, pool.o, pool.free, pool.meta
    trows, tn, cash, shares, cfg, rs = tape.rows, tape.n, acc.cash, acc.shares, rules.cfg, rules.rs
    for k in range(4 * legs):
        j = i + (k >> 1) % legs
        slot = K.BID_SLOT if k & 1 == 0 else K.ASK_SLOT
        if k < 2 * legs:  # cancel the level's old order
            old = inv.oid[j, slot]
            if old < 0:
                continue
            inv.oid[j, slot] = K.NO_ID
            side, kind, p, qk = K.BUY, K.CANCEL, K.NONE, K.NONE
        else:
            lvl = j - i
            side, kind, qk = (K.BUY if slot == K.BID_SLOT else K.SELL), K.LIMIT, np.int64(q)
            p = K._clip_price(book, s, top_bid - lvl * step if slot == K.BID_SLOT
                            else low_ask + lvl * step)
            old = K.NO_ID
        st, oid = K.X.order_arrays(bs, lv, o, free, meta, trows, tn, cash, shares, cfg, rs, s,
                                 side, kind, p, qk, K.M_MM, inv.acct[j], t, old)
        if kind == K.LIMIT and st == K.X.OK:
            inv.oid[j, slot] = oid



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A maker's requote (`_ladder`): it sends its orders itself."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)  # the size drawn is unused
    _ladder(ex, inv, mk, i, s, t, call_phase, mid, b, a, 0, size)
    return False, s, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_MM, K.BID_SLOT


def twin(sit) -> list:
    """A maker's requote, slowly: the orders of its new ladder, [bids inner first, then asks]
    (changed: spread). Nothing in a call phase. With both sides quoted the spread average
    takes alpha of the quoted spread and the mid is the integer mid (else the last mid); the
    size is max(min size, pov x this minute's volume in its stock scaled to 60 s, rounded);
    the mid moves price_skew ticks per unit of trade imbalance (2 buys / volume - 1, by the
    taker's side); the inner bid is mid - floor(spread / 2), the inner ask mid +
    ceil(spread / 2), levels round(level_spacing x spread) ticks apart (at least 1)."""
    p, s, t = sit.par, sit.home, sit.t
    sit.drawn_size()
    if sit.call_phase:
        return []
    b, a = sit.bids[s], sit.asks[s]
    spread = p["spread"]
    if b > 0 and a > 0:
        spread = p["spread_alpha"] * (a - b) + (1 - p["spread_alpha"]) * spread
        mid = (a + b) // 2
    else:
        mid = int(sit.mid(s))
    sit.changed["spread"] = spread
    start = t - t % 60
    mine = [(q, side) for (tm, st, q, side) in sit.tape if st == s and start <= tm]
    bought = sum(q for q, side in mine if side == BUY)
    volume = sum(q for q, _ in mine)
    q = max(int(p["size"]), round(p["pov"] * (volume * 60 / (t - start + 1))))
    if volume > 0:
        mid = int(mid + (2 * bought / volume - 1) * p["price_skew"])
    step = max(1, round(p["level_spacing"] * spread))
    top_bid, low_ask = mid - math.floor(spread / 2), mid + math.ceil(spread / 2)
    mm = Motive.MARKET_MAKING
    return ([Order(s, BUY, LIMIT, sit.clip(s, top_bid - k * step), q, mm, 0)
             for k in range(sit.legs)]
            + [Order(s, SELL, LIMIT, sit.clip(s, low_ask + k * step), q, mm, 1)
               for k in range(sit.legs)])


def count(c, ns: int) -> int:
    """Rows: a ladder of num_ticks rows per maker (a row holds one bid and one ask)."""
    return c.per_stock * ns * c.num_ticks


def _leads(c, rows):
    r = np.arange(rows.start, rows.stop)
    return r[(r - rows.start) % c.num_ticks == 0]


def homes(build, ks, c, rows) -> None:
    """Each maker's ladder in its stock; only the leading row arrives (at the requote rate)."""
    if rows.stop > rows.start:
        build.home[rows] = np.repeat(np.arange(build.ns), c.per_stock * c.num_ticks)
        build.rate[_leads(c, rows)] = c.rate_per_min / 60.0


def fill(build, ks, c, rows) -> None:
    """Columns; the spread average starts at RMSC04's INITIAL_SPREAD_VALUE, 50 ticks; the
    leader's size is the minimum order size (the levels' 0)."""
    if rows.stop > rows.start:
        build.put(ks, rows, pov=c.pov, level_spacing=c.level_spacing,
                  spread_alpha=c.spread_alpha, price_skew=c.price_skew, spread=50.0)
        build.par[_leads(c, rows), K.P_SIZE] = c.min_order_size


SPEC = register("abides_maker", columns=COLUMNS, params=AbidesMaker, decide=decide, twin=twin,
                count=count, homes=homes, fill=fill)
