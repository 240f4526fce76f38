"""Noise and retail traders: a random side, at market or a random limit; in a dip (a fall
from the previous close past a threshold) they buy more often.

Columns: size (shares), market_prob, limit_distance (units of 10 bp of mid), dip_threshold,
dip_propensity.
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register, spread_homes
from ._jit import K, kernel
from ._twin import BUY, LIMIT, MARKET, SELL, Order

__all__ = ["Noise", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "market_prob", "limit_distance", "dip_threshold", "dip_propensity")
MARKET_COL, DISTANCE, DIP, DIP_BUY = range(1, 5)


@dataclass(frozen=True)
class Noise:
    """Retail and noise traders, with a buy-the-dip propensity after a fall.

    In a dip a noise trader buys with probability ``0.5 + dip_propensity / 2``, so its net buying
    is ``dip_propensity`` of its volume. US retail net bought $562M of Nvidia on 27 January 2025,
    about 0.6% of the day's ~$98bn traded; with retail about a fifth of volume that is about 3%
    of retail volume, so 0.05 (the first guess, 0.3, made dip buyers a third of the day's volume).
    """

    count: int = param(5400, 0, 500_000, doc="investors")
    rate_per_min: float = param(0.6, 0.0, 60.0, doc="decisions per investor per minute")
    notional: float = param(8_000.0, 100.0, 1e8, doc="dollars per order")
    market_prob: float = param(0.25, 0.0, 1.0, doc="share of orders sent at market")
    limit_distance: float = param(2.0, 0.0, 100.0, doc="mean limit distance, units of 10 bp")
    dip_threshold: float = param(0.03, 0.0, 1.0, doc="fall from previous close that is a dip")
    dip_propensity: float = param(0.05, 0.0, 1.0, doc="extra buy probability in a dip")



@kernel
def _noise_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Noise trader: a random side, at market or a random limit; buys more in a dip.

    Columns: market_prob (probability of a market order), limit_distance (mean distance of
    limits, units of 10 bp of mid), dip_threshold (fractional fall from the previous close),
    dip_propensity (extra buy probability in a dip).
    """
    par = inv.par
    rs = mk.rng
    fall = 1.0 - mid / mk.prev_close[s]
    pbuy = 0.5
    motive = K.M_NOISE
    if fall > par[i, DIP]:
        pbuy = 0.5 + par[i, DIP_BUY] * 0.5
        motive = K.M_DIP
    side = K.BUY if K.uniform(rs) < pbuy else K.SELL
    if motive == K.M_DIP and side == K.SELL:
        motive = K.M_NOISE
    if K.uniform(rs) < par[i, MARKET_COL] and not call_phase and (
            a > 0 if side == K.BUY else b > 0):
        return True, side, K.MARKET, K.NONE, size, motive, K.BID_SLOT
    unit = max(1.0, mid * 0.001)
    d = -np.log(1.0 - K.uniform(rs)) * par[i, DISTANCE] * unit
    p = int(mid - d) if side == K.BUY else int(mid + d + 0.999)
    return True, side, K.LIMIT, K._clip_price(book, s, p), size, motive, K.BID_SLOT



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A noise trader's decision (`_noise_order`); it reads no position."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)
    go, side, kind, price, qty, motive, slot = _noise_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, 0, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A noise trader's decision, slowly. Draws: its size, then u1 for the side (buy when
    u1 < 1/2, or 1/2 + dip_propensity / 2 in a dip: a fall from the previous close past
    dip_threshold, which makes a buy a dip buy), then u2: at market when u2 < market_prob outside
    a call and the other side is quoted; else u3 for a limit at an exponential distance of mean
    limit_distance x max(1 tick, 10 bp of mid) from the mid (below for a buy, rounded down;
    above for a sell, rounded up)."""
    p, s = sit.par, sit.home
    size = sit.drawn_size()
    mid = sit.mid(s)
    dip = 1.0 - mid / sit.market["prev_close"][s] > p["dip_threshold"]
    p_buy = 0.5 + p["dip_propensity"] * 0.5 if dip else 0.5
    side = BUY if sit.rng.uniform() < p_buy else SELL
    motive = Motive.DIP_BUY if (dip and side == BUY) else Motive.NOISE
    other_side_quoted = sit.asks[s] > 0 if side == BUY else sit.bids[s] > 0
    if sit.rng.uniform() < p["market_prob"] and not sit.call_phase and other_side_quoted:
        return [Order(s, side, MARKET, 0, size, motive)]
    unit = max(1.0, mid * 0.001)
    d = -math.log(1.0 - sit.rng.uniform()) * p["limit_distance"] * unit
    price = math.floor(mid - d) if side == BUY else math.floor(mid + d + 0.999)
    return [Order(s, side, LIMIT, sit.clip(s, price), size, motive)]




def fill(build, ks, c, rows) -> None:
    """Order size in shares of `notional`, the other columns as given."""
    build.put(ks, rows, size=build.shares_of(c.notional, rows), market_prob=c.market_prob,
              limit_distance=c.limit_distance, dip_threshold=c.dip_threshold,
              dip_propensity=c.dip_propensity)


def endow(build, ks, c, rows) -> None:
    """A random long position: 0.2-0.6 of 20 orders' size."""
    idx = np.arange(rows.start, rows.stop)
    if idx.size:
        lim = 20 * build.par[idx, 0]
        build.shares[idx, build.home[idx]] = np.round(
            build.rng.uniform(0.2, 0.6, idx.size) * lim).astype(np.int64)


SPEC = register("noise", columns=COLUMNS, params=Noise, decide=decide, twin=twin,
                homes=spread_homes, fill=fill, endow=endow)
