"""ABIDES RMSC04's value agents: at Poisson wake-ups, a limit order toward their estimate of
the value at the close (a noisy observation of the fundamental shrunk toward r_bar).

Columns: size (scale of RMSC04's order-size model), obs_sd (ticks), kappa (per second), r_bar
(ticks), aggressive_prob, depth_spread.
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register, spread_homes
from ._abides import SESSION_S, abides_size, abides_size_twin
from ._jit import K, kernel
from ._twin import BUY, LIMIT, SELL, Order

__all__ = ["AbidesValue", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "obs_sd", "kappa", "r_bar", "aggressive_prob", "depth_spread")
OBS, KAPPA, RBAR, AGGR, DEPTH = range(1, 6)


@dataclass(frozen=True)
class AbidesValue:
    """RMSC04's value agents: Poisson wake-ups; each cancels its order, observes the fundamental
    with noise, shrinks the observation toward r_bar by its mean reversion to the close, and
    sends one limit order: a buy if that estimate is at or above the mid, else a sell, priced at
    the opposite best less (buy) or plus (sell) a random number of ticks in [0, 2 spreads), or
    exactly at it with probability 0.1. With one side of the book empty: a random side at the
    estimate.

    The fundamental is the loop's value path (see scenarios/library/abides.py for how it matches
    RMSC04's oracle). r_bar is the stock's starting price (RMSC04: 100,000 ticks).
    """

    count: int = param(0, 0, 200_000, doc="agents (RMSC04: 102)")
    # lambda_a = 5.7e-12 per ns = 0.342 per minute (one wake-up every 175 s)
    rate_per_min: float = param(0.342, 0.0, 60.0, doc="wake-ups per minute (RMSC04: 0.342)")
    size: float = param(1.0, 0.0, 100.0, doc="scale of RMSC04's order-size model")
    # sigma_n = r_bar / 100 = 1,000 ticks^2 (a variance): sd 31.6 ticks
    obs_sd: float = param(31.62, 0.0, 1e5, doc="sd of an observation of the fundamental, ticks "
                          "(RMSC04: sqrt(1000))")
    # kappa = 1.67e-15 per ns
    kappa: float = param(1.67e-6, 0.0, 1.0, doc="mean reversion the agents expect, per second "
                         "(RMSC04: 1.67e-6)")
    aggressive_prob: float = param(0.1, 0.0, 1.0, doc="probability of pricing at the opposite "
                                   "best (RMSC04's percent_aggr 0.1)")
    depth_spread: float = param(2.0, 0.0, 100.0, doc="price range behind the best, in spreads "
                                "(RMSC04: 2)")



@kernel
def _value_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 value agent: replaces its order by one limit toward its estimate of the value at
    the close.

    It observes the fundamental (the loop's value path) with noise of sd obs_sd ticks; its
    filter (prior variance 0, shock variance 1e5 per ns in ABIDES) weights the newest
    observation 1 - 1e-14, so the estimate is the observation, shrunk toward r_bar by
    exp(-kappa * seconds to the close). At or above the mid (ABIDES's integer mid) it buys at
    the ask less an offset, else sells at the bid plus it; the offset is 0 with probability
    aggressive_prob, else uniform on whole ticks in [0, depth_spread * spread). With a side of
    the book empty, a random side at the estimate.
    """
    par = inv.par
    rs = mk.rng
    if call_phase:
        return False, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_VALUE, K.BID_SLOT
    obs = np.exp(mk.logv[s]) + par[i, OBS] * K.normal(rs)
    close = (t // K.SESSION_SECONDS + 1) * K.SESSION_SECONDS
    rbar = par[i, RBAR]
    est = int(np.floor(rbar + (obs - rbar) * np.exp(-par[i, KAPPA] * (close - t)) + 0.5))
    if b > 0 and a > 0:
        imid = (a + b) // 2
        spread = a - b
        off = 0
        if not K.uniform(rs) < par[i, AGGR]:
            off = int(K.uniform(rs) * int(par[i, DEPTH] * spread))
        q = abides_size(rs, par[i, K.P_SIZE])
        if est < imid:
            return True, K.SELL, K.LIMIT, K._clip_price(book, s, b + off), q, K.M_VALUE, K.BID_SLOT
        return True, K.BUY, K.LIMIT, K._clip_price(book, s, a - off), q, K.M_VALUE, K.BID_SLOT
    side = K.BUY if K.uniform(rs) < 0.5 else K.SELL
    q = abides_size(rs, par[i, K.P_SIZE])
    return True, side, K.LIMIT, K._clip_price(book, s, est), q, K.M_VALUE, K.BID_SLOT


@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A value agent's wake-up (`_value_order`)."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)  # the size drawn is unused (RMSC04's own)
    go, side, kind, price, qty, motive, slot = _value_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, 0, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A value agent's wake-up, slowly: observation = value + obs_sd x a normal; estimate =
    r_bar + (observation - r_bar) x exp(-kappa x seconds to the close), rounded half up. Both
    sides quoted: an offset of 0 with probability aggressive_prob (a uniform), else
    floor(uniform x floor(depth_spread x spread)) ticks; its size; a sell at the bid plus the
    offset below the integer mid, else a buy at the ask less it. One side empty: a uniform for
    the side, its size, a limit at the estimate."""
    p, s, t = sit.par, sit.home, sit.t
    sit.drawn_size()
    if sit.call_phase:
        return []
    obs = math.exp(sit.market["logv"][s]) + p["obs_sd"] * sit.rng.normal()
    to_close = (t // SESSION_S + 1) * SESSION_S - t
    est = math.floor(p["r_bar"] + (obs - p["r_bar"]) * math.exp(-p["kappa"] * to_close) + 0.5)
    b, a = sit.bids[s], sit.asks[s]
    if b > 0 and a > 0:
        off = 0
        if not sit.rng.uniform() < p["aggressive_prob"]:
            off = math.floor(sit.rng.uniform() * math.floor(p["depth_spread"] * (a - b)))
        q = abides_size_twin(sit.rng, p["size"])
        if est < (a + b) // 2:
            return [Order(s, SELL, LIMIT, sit.clip(s, b + off), q, Motive.VALUE)]
        return [Order(s, BUY, LIMIT, sit.clip(s, a - off), q, Motive.VALUE)]
    side = BUY if sit.rng.uniform() < 0.5 else SELL
    q = abides_size_twin(sit.rng, p["size"])
    return [Order(s, side, LIMIT, sit.clip(s, est), q, Motive.VALUE)]




def fill(build, ks, c, rows) -> None:
    """Columns; r_bar the home stock's starting price (ticks)."""
    if rows.stop > rows.start:
        build.put(ks, rows, size=c.size, obs_sd=c.obs_sd, kappa=c.kappa,
                  r_bar=np.round(build.prices[build.home[rows]] * 100.0),
                  aggressive_prob=c.aggressive_prob, depth_spread=c.depth_spread)


SPEC = register("abides_value", columns=COLUMNS, params=AbidesValue, decide=decide, twin=twin,
                homes=spread_homes, fill=fill)
