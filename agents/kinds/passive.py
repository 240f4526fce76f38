"""Passive index and sector-ETF funds: flows that buy or sell every constituent at once, by
its weight: scenario flows (mk.flow), the fund's own return-chasing flow (fflow) and baseline
creations and redemptions (noise).

Columns: size (cents per basket).
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register
from ._jit import K, kernel
from ._twin import BUY, MARKET, SELL, Order

__all__ = ["Passive", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size",)


@dataclass(frozen=True)
class Passive:
    """Passive index and sector-ETF funds: flows that buy or sell every constituent by weight.

    Fund flows (Ben-David, Franzoni & Moussawi 2018): ETF investors chase returns, so a fall
    of a fund's basket brings outflows that sell every constituent by its weight, on the day
    and the days after (flows follow past returns over days: Clifford, Fulkerson & Jordan 2014).
    A fund's own flow, in baskets per arrival, is ``flow_per_return * (r_today + m)``, with
    r_today its basket's return since the previous close and m the memory of earlier days'
    returns, ``m <- 0.5 ** (1 / flow_days) * (m + r_yesterday)`` at each open
    (scenarios/engine/news.py). ``sector_share`` of the funds are semiconductor ETFs (chip
    designers, IP, foundry, equipment, memory, value-weighted), the rest index funds (the whole
    universe):
    SMH and SOXX held roughly $35-40bn at the end of 2024 against roughly $320bn in QQQ, so
    about a tenth. ``flow_per_return`` 2.5: a 10% fall of its basket makes a fund's net outflow
    as large as the typical size of its baseline random flows (0.25 baskets per arrival), an
    assumption of scale, not fitted. ``flow_days`` 2: an assumption (flows fade over days).
    """

    count: int = param(10, 0, 10_000, doc="funds")
    rate_per_min: float = param(1.0, 0.0, 60.0, doc="flow orders per fund per minute")
    notional: float = param(200_000.0, 0.0, 1e10, doc="dollars per flow order, whole basket")
    flow_noise: float = param(1.0, 0.0, 10.0, doc="baseline random creations/redemptions")
    sector_share: float = param(0.1, 0.0, 1.0, doc="share of the funds that are semiconductor "
                                "ETFs (the rest: index funds)")
    flow_per_return: float = param(2.5, 0.0, 100.0, doc="net flow, baskets per arrival, per unit "
                                   "of return of the fund's basket (outflows after falls)")
    flow_days: float = param(2.0, 0.01, 1000.0, doc="half-life of flows after a move, trading "
                             "days")



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A fund's flow order: f baskets of `size` cents per arrival, each stock by its weight w
    (w x size cents of it, in shares at its last mid, rounded); f is mk.flow (scenario shocks)
    plus the fund's own flow inv.fflow plus noise (uniform - 1/2) x flow_noise; buys when f > 0.
    One market order per stock (motive fund_flow) whose other side is quoted; it sends them
    itself; never in a call phase."""
    nothing = (False, K.NONE, K.BUY, K.MARKET, K.NONE, K.NONE, K.M_FLOW, K.BID_SLOT)
    if call_phase:
        return nothing
    book = ex[0]
    for s in range(mk.logv.size):
        w = inv.basket[i, s]
        if w <= 0.0:
            continue
        f = mk.flow[s] + inv.fflow[i] + (K.uniform(mk.rng) - 0.5) * mk.cfg[K.C_FLOW]
        q = int(abs(f) * w * inv.par[i, K.P_SIZE] / np.exp(mk.logp[s]) + 0.5)
        side = K.BUY if f > 0 else K.SELL
        if q > 0 and (K.X.best_ask(book, s) > 0 if side == K.BUY else K.X.best_bid(book, s) > 0):
            K._send(ex, inv, i, s, side, K.MARKET, K.NONE, q, K.M_FLOW, t, K.BID_SLOT)
    return nothing


def twin(sit) -> list:
    """A fund's flow orders, slowly: for each stock it holds (weight > 0), one uniform u;
    f = flow + own flow + (u - 1/2) x flow_noise baskets; shares = |f| x weight x size cents /
    the last mid (exp logp), rounded half up; a buy when f > 0, at market, if the other side
    is quoted."""
    if sit.call_phase:
        return []
    mk = sit.market
    orders = []
    for s, w in enumerate(sit.basket):
        if w <= 0.0:
            continue
        f = mk["flow"][s] + sit.fflow + (sit.rng.uniform() - 0.5) * mk["cfg"][K.C_FLOW]
        q = math.floor(abs(f) * w * sit.par["size"] / math.exp(mk["logp"][s]) + 0.5)
        side = BUY if f > 0 else SELL
        quoted = sit.asks[s] > 0 if side == BUY else sit.bids[s] > 0
        if q > 0 and quoted:
            orders.append(Order(s, side, MARKET, 0, q, Motive.FUND_FLOW))
    return orders


def _weights(mv, mask):
    w = mv if mask is None else np.where(mask, mv, 0.0)
    return w / w.sum() if w.sum() > 0 else mv / mv.sum()


def _baskets(build, c):
    """sector_share of the funds hold the sector_mask stocks, the rest basket_mask's; both
    value-weighted."""
    o = build.options
    n_sector = int(round(c.sector_share * c.count))
    return np.where((np.arange(c.count) < n_sector)[:, None],
                    _weights(build.mv, o.get("sector_mask")),
                    _weights(build.mv, o.get("basket_mask")))


def homes(build, ks, c, rows) -> None:
    """Basket traders trade every stock (home -1); one flow order rate."""
    build.rate[rows] = c.rate_per_min / 60.0


def fill(build, ks, c, rows) -> None:
    """Size in cents per basket (each stock w x size of it); the baskets."""
    build.put(ks, rows, size=c.notional * 100.0)
    build.basket[rows] = _baskets(build, c)


def endow(build, ks, c, rows) -> None:
    """Each fund holds 50 flow orders' worth of its basket, unlevered."""
    for j in range(rows.start, rows.stop):
        build.shares[j] = np.round(50 * c.notional * build.basket[j] / build.prices).astype(
            np.int64)


SPEC = register("passive", columns=COLUMNS, params=Passive, decide=decide, twin=twin,
                homes=homes, fill=fill, endow=endow, lines=2)
