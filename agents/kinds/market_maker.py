"""Market makers: two-sided quotes around a centre that follows public information, skewed by
inventory, wider with volatility, withdrawn past a volatility ratio.

Columns: size (shares), half_spread_bp, widen, inventory_limit (shares), withdraw_ratio.
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register
from ._jit import K, kernel
from ._twin import BUY, LIMIT, SELL, Order

__all__ = ["MarketMaker", "COLUMNS", "decide", "twin", "SPEC"]

COLUMNS = ("size", "half_spread_bp", "widen", "inventory_limit", "withdraw_ratio")
HALF, WIDEN, LIMIT_COL, WITHDRAW = range(1, 5)


@dataclass(frozen=True)
class MarketMaker:
    """Two-sided quotes with inventory skew, spreads that widen with volatility, withdrawal.

    Quotes are centred on the mid moved by the public information that arrived since the
    maker's last quote (agents/_kernels.py `_market_maker`): quotes follow information (Glosten
    & Milgrom 1985), and large caps' fast liquidity providers move them on market-wide and
    stock news (Brogaard, Hendershott & Riordan 2014). The half-spread is 0.5 bp: a wanted
    spread of 1 bp, which at a one-cent tick is one tick for Nvidia ($142.62 on 24 January
    2025: one cent is 0.7 bp) and a few ticks for the $400-650 stocks; large US stocks are
    tick-constrained and quote about one cent most of the day (Yao & Ye 2018). It was 3 bp, which
    made quoted spreads 2-4 bp.

    A quote is $60,000 a side (about 420 Nvidia shares at $142.62), so the four makers of a stock
    show about $240,000 at the touch: the order of a mega-cap's consolidated quoted size, several
    round lots on each of a dozen venues (a quoted-depth scale, not fitted to any move). At
    $30,000 the touch was thin beside the depth other investors leave resting, prices trailed
    value and one-minute returns kept a lag-1 autocorrelation of 0.04-0.10 (median stock, 5-day
    baselines, seeds 0-2); at $60,000 it is -0.01-0.04, and Nvidia's 27 January calibration holds
    (20 seeds: -16.5%, gap -12.7%, close at 0.13 of the range, volume 2.57x).
    """

    per_stock: int = param(4, 0, 100, doc="market makers per stock")
    rate_per_min: float = param(12.0, 0.0, 600.0, doc="requotes per minute")
    notional: float = param(60_000.0, 100.0, 1e8, doc="dollars per quote")
    half_spread_bp: float = param(0.5, 0.01, 500.0, doc="half-spread in basis points of mid")
    widen: float = param(1.0, 0.0, 100.0, doc="widening per unit of excess volatility ratio")
    inventory_limit: float = param(20.0, 0.0, 1e6, doc="inventory limit, in quotes' worth")
    withdraw_ratio: float = param(4.0, 1.0, 1000.0, doc="volatility ratio at which it withdraws")



@kernel
def _quotes(ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Market maker: two-sided quotes around a centre that follows public information, skewed by
    inventory, wider with volatility, withdrawn past a volatility ratio. Sends its bid; returns
    its ask.

    Centre: the mid moved by the change in public value (`_public_value`) since the maker's last
    quote, c = mid * exp(pv - anchor). Quotes are conditional expectations of value given public
    information (Glosten & Milgrom 1985), and the fast liquidity providers of large caps move
    them on market-wide and stock news before any order arrives (Brogaard, Hendershott & Riordan
    2014, RFS 27:2267); quoting around the mid alone let prices trail value for minutes (1-minute
    returns autocorrelated +0.3 at lag 1). Scenario news (the jumps that investors hear through
    the information network) is not in the centre: a maker learns it from the order flow, as the
    mid moves. In a call phase (which the pre-open is) and at its first quote, the centre is the
    mid.
    Spread: max(1, round(2 * half)) ticks, half = half_spread_bp of mid: large caps quote at
    one tick when the wanted spread is under a tick.

    Columns: half_spread_bp (of mid), widen (per unit of excess volatility ratio),
    inventory_limit (shares), withdraw_ratio (volatility ratio at which it withdraws).
    """
    book = ex[0]
    par = inv.par
    ratio = np.sqrt(mk.var[s] / mk.var_ref[s])
    half = mid * par[i, HALF] * 1e-4 * (1.0 + par[i, WIDEN] * max(0.0, ratio - 1.0))
    width = max(1, int(2.0 * half + 0.5))
    pv = K._public_value(mk, s)
    c = mid
    if not call_phase and np.isfinite(inv.anchor[i]):
        c = mid * np.exp(pv - inv.anchor[i])
    inv.anchor[i] = pv
    lim = par[i, LIMIT_COL]
    skew = -pos / lim * 0.5 * width
    # withdrawn past the ratio, unless the book's spread is wider than its own (or a side is
    # empty): a touch that wide pays for the risk, and it quotes again (Grossman & Miller 1988)
    withdraw = (mk.cfg[K.C_LIQUIDITY] > 0 and ratio > par[i, WITHDRAW]
                and b > 0 and a > 0 and a - b <= width)
    bid = int(np.floor(c + skew - 0.5 * width + 0.5))
    ask = bid + width
    qb = size if (pos < lim and not withdraw) else 0
    K._send(ex, inv, i, s, K.BUY, K.LIMIT, K._clip_price(book, s, bid), qb, K.M_MM, t, K.BID_SLOT)
    qa = size if (pos > -lim and not withdraw) else 0
    return True, K.SELL, K.LIMIT, K._clip_price(book, s, ask), qa, K.M_MM, K.ASK_SLOT



@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A maker's requote (`_quotes`): it sends its bid and returns its ask."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)
    pos = K._position(ex, inv, i, s)
    go, side, kind, price, qty, motive, slot = _quotes(
        ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    return go, s, side, kind, price, qty, motive, slot


def twin(sit) -> list:
    """A maker's two quotes, slowly, as MarketMaker's docstring states them: [bid, ask].

    Centre: the mid moved by the public value's change since its last quote (the mid itself
    in a call phase or before a first quote); half-spread half_spread_bp of mid, times
    1 + widen x (volatility ratio - 1, if positive); width max(1, 2 x half rounded half up)
    ticks; the bid the tick at or below centre + skew - width / 2 + 1/2, the ask width above;
    skew -pos / inventory_limit x width / 2; a side has no size past the inventory limit, both
    when withdrawn (liquidity channel on, ratio past withdraw_ratio). It remembers the public
    value it quoted on (changed["anchor"]).
    """
    p, s, mk = sit.par, sit.home, sit.market
    size = sit.drawn_size()
    mid = sit.mid(s)
    pos = sit.shares[s]
    ratio = math.sqrt(mk["var"][s] / mk["var_ref"][s])
    half = mid * p["half_spread_bp"] * 1e-4 * (1 + p["widen"] * max(0.0, ratio - 1))
    width = max(1, math.floor(2 * half + 0.5))
    public = mk["logv"][s] - sum(mk["jump"][k][s] for k in range(len(mk["jump"]))
                                  if mk["isnews"][k] > 0)
    first = math.isnan(sit.anchor)
    centre = mid if (sit.call_phase or first) else mid * math.exp(public - sit.anchor)
    sit.changed["anchor"] = public
    lim = p["inventory_limit"]
    bid = math.floor(centre - pos / lim * width / 2 - width / 2 + 0.5)
    b, a = sit.bids[s], sit.asks[s]
    out = (mk["cfg"][K.C_LIQUIDITY] > 0 and ratio > p["withdraw_ratio"]
           and b > 0 and a > 0 and a - b <= width)
    qb = size if (pos < lim and not out) else 0
    qa = size if (pos > -lim and not out) else 0
    mm = Motive.MARKET_MAKING
    return [Order(s, BUY, LIMIT, sit.clip(s, bid), qb, mm, 0),
            Order(s, SELL, LIMIT, sit.clip(s, bid + width), qa, mm, 1)]


def homes(build, ks, c, rows) -> None:
    """`per_stock` makers in each stock, in stock order."""
    build.home[rows] = np.repeat(np.arange(build.ns), c.per_stock)
    build.rate[rows] = c.rate_per_min / 60.0


def fill(build, ks, c, rows) -> None:
    """Quote size in shares of `notional`; inventory limit in shares."""
    size = build.shares_of(c.notional, rows)
    build.put(ks, rows, size=size, half_spread_bp=c.half_spread_bp, widen=c.widen,
              inventory_limit=c.inventory_limit * size, withdraw_ratio=c.withdraw_ratio)


SPEC = register("market_maker", columns=COLUMNS, params=MarketMaker, decide=decide, twin=twin,
                count=lambda c, ns: c.per_stock * ns, homes=homes, fill=fill,
                lines=2)
