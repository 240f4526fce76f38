"""Leveraged multi-stock funds: they hold baskets (themes and 2024 winners) on margin or long
only; past their leverage limit (after redemptions) they sell a fraction of every holding at
market: the fire-sale channel through overlapping portfolios.

Columns: size (unused), leverage_limit, sell_fraction, redemption.
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register
from ._jit import K, kernel
from ._twin import MARKET, SELL, Order

__all__ = ["Leveraged", "COLUMNS", "decide", "twin", "fund_baskets", "SPEC"]

COLUMNS = ("size", "leverage_limit", "sell_fraction", "redemption")
LEV_LIMIT, SELL_FRACTION, REDEEM = range(1, 4)


@dataclass(frozen=True)
class Leveraged:
    """Crowded multi-stock funds: past their leverage limit they sell every holding pro rata.

    Funds hold themes and past winners, not supply links (Greenwood & Thesmar 2011; Khandani &
    Lo 2007; Daniel & Moskowitz 2016). The rule (``basket="crowded"``, from universe.csv alone):
    funds alternate between an AI-theme book (every stock whose role sells AI compute or its
    inputs, value-weighted) and a momentum book (the third of the universe with the highest
    2024 return, value-weighted), so a power producer that supplies nobody in the network is
    sold with Nvidia because the same funds own both. ``margin_share`` of the funds (the first
    ones, both books alike) are hedge funds on margin at ``leverage``: gross leverage was near
    record highs in early 2025 (prime brokers reported about 2.8-2.9x); a limit of 3.2 leaves a
    cushion of a ~6% fall of the basket. The rest are long-only thematic funds 98% invested
    (a 2% cash buffer) with a limit of 1, so only redemptions force them to sell. Either kind's
    investors withdraw ``redemption`` of each dollar lost: the limit applies to
    ``E - redemption * max(0, E0 - E)``. With the crowding channel off every fund holds the
    whole universe value-weighted (``basket="all"``).
    """

    count: int = param(20, 0, 10_000, doc="funds")
    rate_per_min: float = param(1.0, 0.0, 60.0, doc="margin checks per fund per minute")
    equity: float = param(2e7, 0.0, 1e12, doc="starting equity per fund, dollars")
    leverage: float = param(2.8, 1.0, 20.0, doc="starting gross exposure / equity (on margin)")
    leverage_limit: float = param(3.2, 1.0, 50.0, doc="exposure / equity that forces sales "
                                  "(on margin)")
    margin_share: float = param(0.5, 0.0, 1.0, doc="share of the funds on margin (the rest "
                                "long-only, 98% invested, limit 1)")
    basket: str = param("crowded", choices=("crowded", "ai", "all"),
                        doc="what they hold: themes and 2024 winners, the AI supply chain, or "
                        "every stock")
    winners_share: float = param(1 / 3, 0.01, 1.0, doc="share of the universe, by 2024 "
                                 "return, in a momentum book")
    sell_fraction: float = param(0.05, 0.0, 1.0, doc="fraction of each holding sold per check")
    redemption: float = param(0.25, 0.0, 10.0, doc="share of each dollar lost that investors "
                              "withdraw (2x long Nvidia funds still took money in on the day: "
                              "small)")



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A fund's margin check: over its limit (exposure > leverage_limit x equity, the equity
    less `redemption` of its loss below its starting capital), with the fire-sale channel on,
    it sells `sell_fraction` of every holding at market (motive forced). It sends its orders
    itself; never in a call phase."""
    nothing = (False, K.NONE, K.BUY, K.MARKET, K.NONE, K.NONE, K.M_FORCED, K.BID_SLOT)
    if call_phase:
        return nothing
    book = ex[0]
    acc = ex[2]
    me = inv.acct[i]
    ns = mk.logv.size
    equity = float(acc.cash[me])
    expo = 0.0
    for s in range(ns):
        px = np.exp(mk.logp[s])
        equity += acc.shares[me, s] * px
        expo += abs(acc.shares[me, s]) * px
    equity -= inv.par[i, REDEEM] * max(0.0, inv.capital[i] - equity)
    over = equity <= 0.0 or expo > inv.par[i, LEV_LIMIT] * equity
    if not (over and mk.cfg[K.C_FIRE_SALE] > 0):
        return nothing
    for s in range(ns):
        q = int(acc.shares[me, s] * inv.par[i, SELL_FRACTION])
        if q > 0 and K.X.best_bid(book, s) > 0:
            K._send(ex, inv, i, s, K.SELL, K.MARKET, K.NONE, q, K.M_FORCED, t, K.BID_SLOT)
    return nothing


def twin(sit) -> list:
    """A fund's margin check, slowly: equity = cash + holdings at the last mids, exposure =
    the absolute holdings at them; the limit applies to equity less redemption x the loss
    below its capital; over it (or with no equity left), and with fire sales on, it sells
    trunc(holding x sell_fraction) of each stock whose bid side is quoted, at market."""
    if sit.call_phase:
        return []
    p, mk = sit.par, sit.market
    prices = [math.exp(lp) for lp in mk["logp"]]
    equity = float(sit.cash)
    exposure = 0.0
    for held, px in zip(sit.shares, prices, strict=True):
        equity += held * px
        exposure += abs(held) * px
    equity -= p["redemption"] * max(0.0, sit.capital - equity)
    over = equity <= 0.0 or exposure > p["leverage_limit"] * equity
    if not (over and mk["cfg"][K.C_FIRE_SALE] > 0):
        return []
    orders = []
    for s, held in enumerate(sit.shares):
        q = int(held * p["sell_fraction"])
        if q > 0 and sit.bids[s] > 0:
            orders.append(Order(s, SELL, MARKET, 0, q, Motive.FORCED))
    return orders


def fund_baskets(lv: Leveraged, market_value, ai_mask=None, returns=None,
                 ai_weights=None) -> np.ndarray:
    """Target weights [fund, stock] of the leveraged funds under `lv.basket`'s rule.

    "crowded": funds alternate between the AI theme (`ai_weights`, per stock, normalised; or
    `ai_mask` value-weighted) and the momentum book (the `winners_share` of stocks with the
    highest 2024 `returns`, at least one, value-weighted); "ai": every fund the AI theme; "all":
    every fund the whole universe. A missing mask or return falls back to the whole universe.
    """
    mv = np.asarray(market_value, float)

    def weights(mask):
        w = mv if mask is None else np.where(mask, mv, 0.0)
        return w / w.sum() if w.sum() > 0 else mv / mv.sum()

    ai = weights(ai_mask)
    if ai_weights is not None and np.sum(ai_weights) > 0:
        ai = np.asarray(ai_weights, float) / np.sum(ai_weights)
    books = {"all": [weights(None)], "ai": [ai]}
    if returns is None:
        winners = None
    else:
        r = np.asarray(returns, float)
        k = max(1, int(round(lv.winners_share * r.size)))
        winners = np.zeros(r.size, bool)
        winners[np.argsort(-r, kind="stable")[:k]] = True
    books["crowded"] = [ai, weights(winners)]
    book = books[lv.basket]
    return np.array([book[j % len(book)] for j in range(lv.count)]).reshape(lv.count, mv.size)



def _margin(c):
    """Which funds are on margin: the first margin_share of them."""
    return np.arange(c.count) < int(round(c.margin_share * c.count))


def homes(build, ks, c, rows) -> None:
    """Basket traders trade every stock (home -1); one margin check rate."""
    build.rate[rows] = c.rate_per_min / 60.0


def fill(build, ks, c, rows) -> None:
    """Limits (funds not on margin: 1), sell fraction, redemption; their baskets
    (`fund_baskets` on build_investors' ai_mask, returns and ai_weights)."""
    o = build.options
    build.put(ks, rows, leverage_limit=np.where(_margin(c), c.leverage_limit, 1.0),
              sell_fraction=c.sell_fraction, redemption=c.redemption)
    build.basket[rows] = fund_baskets(c, build.mv, o.get("ai_mask"), o.get("returns"),
                                      o.get("ai_weights"))


def endow(build, ks, c, rows) -> None:
    """Each fund holds its basket: `equity` x its leverage (margin) or 98% of it (long
    only), the difference borrowed or held as cash; its capital is its equity (cents)."""
    on_margin = _margin(c)
    prices = build.prices
    for q, j in enumerate(range(rows.start, rows.stop)):
        hold = c.equity * (c.leverage if on_margin[q] else 0.98) * build.basket[j] / prices
        build.shares[j] = np.round(hold).astype(np.int64)
        build.cash[j] = int(round((c.equity - (build.shares[j] * prices).sum()) * 100))
        build.capital[j] = c.equity * 100.0


SPEC = register("leveraged", columns=COLUMNS, params=Leveraged, decide=decide, twin=twin,
                homes=homes, fill=fill, endow=endow, lines=2)
