"""Momentum traders (trend followers): a market order with the sign of their trend signal,
an exponential average of recent one-second mid returns, past a threshold.

Columns: size (shares), threshold (in sds of the fast average's noise), slow_weight,
position_limit (shares).
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register, spread_homes
from ._jit import K, kernel
from ._twin import BUY, MARKET, SELL, Order

__all__ = ["Momentum", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "threshold", "slow_weight", "position_limit")
THRESHOLD, SLOW, LIMIT_COL = range(1, 4)


@dataclass(frozen=True)
class Momentum:
    """Trend followers: trade with an exponential average of recent returns."""

    count: int = param(1200, 0, 200_000, doc="investors")
    rate_per_min: float = param(0.6, 0.0, 60.0, doc="decisions per investor per minute")
    notional: float = param(20_000.0, 100.0, 1e8, doc="dollars per order")
    threshold: float = param(1.0, 0.0, 100.0, doc="signal threshold, in sds of the fast average")
    slow_weight: float = param(0.5, 0.0, 1.0, doc="weight of the slow average in the signal")
    position_limit: float = param(20.0, 0.0, 1e6, doc="max position, in orders' worth")



@kernel
def _trend_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Trend follower: a market order with the sign of its trend signal past a threshold.

    Columns: threshold (on the trend signal, in sds of the fast average), slow_weight (weight on
    the slow average: the horizon mix), position_limit. Sends nothing in a call phase.
    """
    par = inv.par
    if call_phase:
        return False, K.BUY, K.MARKET, K.NONE, K.NONE, K.M_MOMENTUM, K.BID_SLOT
    sig = mk.ema_fast[s] * (1.0 - par[i, SLOW]) + mk.ema_slow[s] * par[i, SLOW]
    # in sds of the fast average's own noise: sd(EMA) = sd(r) * sqrt(alpha / 2)
    thr = par[i, THRESHOLD] * np.sqrt(mk.var_ref[s] * mk.cfg[K.C_FAST] * 0.5)
    qty = size
    if sig > thr and pos < par[i, LIMIT_COL] and a > 0:
        return True, K.BUY, K.MARKET, K.NONE, qty, K.M_MOMENTUM, K.BID_SLOT
    if sig < -thr and pos > -par[i, LIMIT_COL] and b > 0:
        return True, K.SELL, K.MARKET, K.NONE, qty, K.M_MOMENTUM, K.BID_SLOT
    return False, K.BUY, K.MARKET, K.NONE, qty, K.M_MOMENTUM, K.BID_SLOT



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A trend follower's decision (`_trend_order`) in its situation."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)
    pos = K._position(ex, inv, i, s)
    go, side, kind, price, qty, motive, slot = _trend_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A trend follower's decision, slowly: signal (1 - w) fast + w slow average; it buys at
    market above threshold x sd(fast average), sd(EMA) = sd(r) sqrt(alpha / 2), sells below
    minus that, within its position limit and if the other side is quoted; never in a call."""
    p, s, mk = sit.par, sit.home, sit.market
    size = sit.drawn_size()
    if sit.call_phase:
        return []
    w = p["slow_weight"]
    signal = mk["ema_fast"][s] * (1 - w) + mk["ema_slow"][s] * w
    sd_fast = math.sqrt(mk["var_ref"][s] * mk["cfg"][K.C_FAST] / 2)
    pos, lim = sit.shares[s], p["position_limit"]
    if signal > p["threshold"] * sd_fast and pos < lim and sit.asks[s] > 0:
        return [Order(s, BUY, MARKET, 0, size, Motive.MOMENTUM)]
    if signal < -p["threshold"] * sd_fast and pos > -lim and sit.bids[s] > 0:
        return [Order(s, SELL, MARKET, 0, size, Motive.MOMENTUM)]
    return []




def fill(build, ks, c, rows) -> None:
    """Order size in shares of `notional`; position limit in shares."""
    size = build.shares_of(c.notional, rows)
    build.put(ks, rows, size=size, threshold=c.threshold, slow_weight=c.slow_weight,
              position_limit=c.position_limit * size)


def endow(build, ks, c, rows) -> None:
    """A random long position: 0.2-0.6 of its position limit."""
    idx = np.arange(rows.start, rows.stop)
    if idx.size:
        lim = build.par[idx, LIMIT_COL]
        build.shares[idx, build.home[idx]] = np.round(
            build.rng.uniform(0.2, 0.6, idx.size) * lim).astype(np.int64)


SPEC = register("momentum", columns=COLUMNS, params=Momentum, decide=decide, twin=twin,
                homes=spread_homes, fill=fill, endow=endow)
