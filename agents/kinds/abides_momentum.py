"""ABIDES RMSC04's momentum agents: at Poisson wake-ups they average the mids they see, fast
and slow; once they have seen more than slow_n, they buy at the ask when the fast average is at
or above the slow one, else sell at the bid.

Columns: size (scale of RMSC04's order-size model), fast_n, slow_n, and the agent's state
ma_fast, ma_slow (ticks), seen (mids observed).
"""

from dataclasses import dataclass

from market import Motive

from ..params import param
from . import register, spread_homes
from ._abides import abides_size, abides_size_twin
from ._jit import K, kernel
from ._twin import BUY, LIMIT, SELL, Order

__all__ = ["AbidesMomentum", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "fast_n", "slow_n", "ma_fast", "ma_slow", "seen")
FAST_N, SLOW_N, MA_FAST, MA_SLOW, SEEN = range(1, 6)


@dataclass(frozen=True)
class AbidesMomentum:
    """RMSC04's momentum agents: Poisson wake-ups; each records the mid and, once it has seen
    more than slow_n mids, buys at the ask when its fast average of its own observations is at
    or above its slow one, else sells at the bid.

    RMSC04 averages the last 20 and 50 observations; here exponential averages with the same
    centre of mass (weight 2 / (n + 1)): the loop keeps six numbers per agent, not 50. RMSC04
    passes its order-size model, so the agents' min_size 1 / max_size 10 go unused there too.
    """

    count: int = param(0, 0, 200_000, doc="agents (RMSC04: 12)")
    # wake_up_freq 37 s, poisson_arrival True
    rate_per_min: float = param(60.0 / 37.0, 0.0, 60.0, doc="wake-ups per minute (RMSC04: "
                                "one per 37 s)")
    size: float = param(1.0, 0.0, 100.0, doc="scale of RMSC04's order-size model")
    fast_n: int = param(20, 1, 10_000, doc="observations in the fast average (RMSC04: 20)")
    slow_n: int = param(50, 1, 10_000, doc="observations in the slow average (RMSC04: 50)")



@kernel
def _trend_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 momentum agent: records the mid (both sides quoted) in a fast and a slow average
    of its own observations; once it has seen more than slow_n, buys at the ask when the fast
    average is at or above the slow one, else sells at the bid.

    Columns: size (scale of the order-size model), fast_n and slow_n (observations averaged:
    exponential weights 2 / (n + 1), the simple averages' centre of mass), and its state
    ma_fast, ma_slow (ticks) and seen (mids observed). It never cancels: what an order leaves
    unfilled rests until the close.
    """
    par = inv.par
    if call_phase or not (b > 0 and a > 0):
        return False, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_MOMENTUM, K.BID_SLOT
    m = 0.5 * (a + b)
    n = par[i, SEEN] + 1.0
    par[i, SEEN] = n
    if n == 1.0:
        par[i, MA_FAST] = m
        par[i, MA_SLOW] = m
    else:
        par[i, MA_FAST] += 2.0 / (par[i, FAST_N] + 1.0) * (m - par[i, MA_FAST])
        par[i, MA_SLOW] += 2.0 / (par[i, SLOW_N] + 1.0) * (m - par[i, MA_SLOW])
    if n <= par[i, SLOW_N]:
        return False, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_MOMENTUM, K.BID_SLOT
    q = abides_size(mk.rng, par[i, K.P_SIZE])
    inv.oid[i, K.BID_SLOT] = K.NO_ID  # the last order's rest stays in the book: ABIDES keeps it
    if par[i, MA_FAST] >= par[i, MA_SLOW]:
        return True, K.BUY, K.LIMIT, a, q, K.M_MOMENTUM, K.BID_SLOT
    return True, K.SELL, K.LIMIT, b, q, K.M_MOMENTUM, K.BID_SLOT


@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A momentum agent's wake-up (`_trend_order`)."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)  # the size drawn is unused (RMSC04's own)
    go, side, kind, price, qty, motive, slot = _trend_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, 0, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A momentum agent's wake-up, slowly: with both sides quoted it sees the mid m (one more
    seen); its first mid starts both averages, later ones move each by 2 / (n + 1) of the gap;
    past slow_n mids seen, its size, and a buy at the ask when fast >= slow, else a sell at
    the bid (changed: ma_fast, ma_slow, seen)."""
    p, s = sit.par, sit.home
    sit.drawn_size()
    b, a = sit.bids[s], sit.asks[s]
    if sit.call_phase or not (b > 0 and a > 0):
        return []
    m = (a + b) / 2
    seen = p["seen"] + 1
    if seen == 1:
        fast = slow = m
    else:
        fast = p["ma_fast"] + 2 / (p["fast_n"] + 1) * (m - p["ma_fast"])
        slow = p["ma_slow"] + 2 / (p["slow_n"] + 1) * (m - p["ma_slow"])
    sit.changed.update(seen=seen, ma_fast=fast, ma_slow=slow)
    if seen <= p["slow_n"]:
        return []
    q = abides_size_twin(sit.rng, p["size"])
    if fast >= slow:
        return [Order(s, BUY, LIMIT, a, q, Motive.MOMENTUM)]
    return [Order(s, SELL, LIMIT, b, q, Motive.MOMENTUM)]




def fill(build, ks, c, rows) -> None:
    """Columns; the averages and the count start at 0."""
    if rows.stop > rows.start:
        build.put(ks, rows, size=c.size, fast_n=c.fast_n, slow_n=c.slow_n, ma_fast=0.0,
                  ma_slow=0.0, seen=0.0)


SPEC = register("abides_momentum", columns=COLUMNS, params=AbidesMomentum, decide=decide,
                twin=twin, homes=spread_homes, fill=fill)
