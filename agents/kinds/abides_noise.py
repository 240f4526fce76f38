"""ABIDES RMSC04's noise agents: once a day, at their first look after a wake-up time, one
limit order at the opposite best.

Columns: size (scale of RMSC04's order-size model), wake_s (seconds into the session),
done_day (the last day it traded: its state).
"""

from dataclasses import dataclass

from market import Motive

from ..params import param
from . import register, spread_homes
from ._abides import SESSION_S, abides_size, abides_size_twin
from ._jit import K, kernel
from ._twin import BUY, LIMIT, SELL, Order

__all__ = ["AbidesNoise", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "wake_s", "done_day")
WAKE, DONE = 1, 2


@dataclass(frozen=True)
class AbidesNoise:
    """RMSC04's noise agents: each wakes once a day at a uniform random time of the session and
    sends one limit order at the opposite best price (buy at the ask, sell at the bid), side
    50/50. RMSC04 draws the wake-up over 09:00-16:00 (it runs one day); here over the
    09:30-16:00 session, drawn once: on later days the agent wakes at the same time.

    The compiled loop draws arrivals at rates, so an agent looks in at `rate_per_min` and acts at
    its first look after its wake-up time: the order comes on average 1 / rate later.
    """

    count: int = param(0, 0, 500_000, doc="agents (RMSC04: 1,000)")
    rate_per_min: float = param(1.0, 0.01, 60.0, doc="looks per minute to catch its wake-up "
                                "time (sets only how late after it the order comes)")
    size: float = param(1.0, 0.0, 100.0, doc="scale of RMSC04's order-size model")



@kernel
def _noise_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 noise agent: once a day, at its first look after its wake-up time, one limit at
    the opposite best (buy at the ask, sell at the bid), side 50/50; nothing if that side is
    empty. Columns: size (scale of the order-size model), wake_s (seconds into the session),
    done_day (the last day it traded; its state).
    """
    par = inv.par
    day = t // K.SESSION_SECONDS
    if call_phase or t - day * K.SESSION_SECONDS < par[i, WAKE] or par[i, DONE] >= day:
        return False, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_NOISE, K.BID_SLOT
    par[i, DONE] = day
    rs = mk.rng
    buy = K.uniform(rs) < 0.5
    q = abides_size(rs, par[i, K.P_SIZE])
    if buy and a > 0:
        return True, K.BUY, K.LIMIT, a, q, K.M_NOISE, K.BID_SLOT
    if not buy and b > 0:
        return True, K.SELL, K.LIMIT, b, q, K.M_NOISE, K.BID_SLOT
    return False, K.BUY, K.LIMIT, K.NONE, K.NONE, K.M_NOISE, K.BID_SLOT


@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A noise agent's look (`_noise_order`)."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)  # the size drawn is unused (RMSC04's own)
    go, side, kind, price, qty, motive, slot = _noise_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, 0, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A noise agent's look, slowly: past its wake-up time in the session and not yet traded
    today, it trades (done_day := today): a uniform for the side (buy below 1/2), then its
    size (`abides_size_twin`); a buy at the ask, a sell at the bid, if that side is quoted."""
    p, s, t = sit.par, sit.home, sit.t
    sit.drawn_size()
    day = t // SESSION_S
    if sit.call_phase or t - day * SESSION_S < p["wake_s"] or p["done_day"] >= day:
        return []
    sit.changed["done_day"] = float(day)
    buy = sit.rng.uniform() < 0.5
    q = abides_size_twin(sit.rng, p["size"])
    if buy and sit.asks[s] > 0:
        return [Order(s, BUY, LIMIT, sit.asks[s], q, Motive.NOISE)]
    if not buy and sit.bids[s] > 0:
        return [Order(s, SELL, LIMIT, sit.bids[s], q, Motive.NOISE)]
    return []




def fill(build, ks, c, rows) -> None:
    """Size scale; a wake-up time drawn uniformly over the session (seconds)."""
    n = rows.stop - rows.start
    if n:
        build.put(ks, rows, size=c.size, done_day=-1.0,
                  wake_s=build.rng.uniform(0.0, K.SESSION_SECONDS, n))


SPEC = register("abides_noise", columns=COLUMNS, params=AbidesNoise, decide=decide, twin=twin,
                homes=spread_homes, fill=fill)
