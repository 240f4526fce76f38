"""Investor populations: parameters per kind (frozen dataclasses) and the arrays built from them.

Each kind is a small decision kernel in `agents/_kernels.py`; its parameters here carry units and
allowed ranges (bad values raise `agents.params.ParamError` naming the field). Sizes are given as
a notional in dollars per order and converted to shares at each stock's price, so one population
works for a $20 and a $700 stock alike.
"""

from dataclasses import dataclass

import numpy as np

from .params import param
from .schema import KIND_NAMES, N_PAR, SCHEMAS, Kind, kind_code

__all__ = [
    "Fundamental",
    "Momentum",
    "Noise",
    "MarketMaker",
    "Leveraged",
    "Passive",
    "Population",
    "World",
    "build_investors",
    "KIND_NAMES",
    "kind_code",
    "mute_trend_followers",
    "maker_rows",
    "set_maker_quotes",
]

def mute_trend_followers(inv) -> None:
    """Trend followers never trade (their threshold becomes infinite): the informational channel
    off means no trend following on top of the news."""
    inv.par[inv.kind == Kind.MOMENTUM, SCHEMAS[Kind.MOMENTUM].column("threshold")] = np.inf


def maker_rows(inv) -> np.ndarray:
    """Indices of the market makers in the investor arrays."""
    return np.flatnonzero(inv.kind == Kind.MARKET_MAKER)


def set_maker_quotes(inv, rows, par0, withdrawals) -> None:
    """Market makers' (`rows`) quote size and half-spread: their parameters `par0` (rows of
    `inv.par` saved at the start) under each (size factor, spread factor) of `withdrawals`,
    applied in order; sizes are rounded to whole shares, at least 1."""
    par = inv.par
    par[rows] = par0
    size, half = (SCHEMAS[Kind.MARKET_MAKER].column(c) for c in ("size", "half_spread_bp"))
    for size_f, spread_f in withdrawals:
        par[rows, size] = np.maximum(1.0, np.round(par[rows, size] * size_f))
        par[rows, half] *= spread_f


@dataclass(frozen=True)
class Fundamental:
    """Value traders: buy below, sell above their own noisy, lagging estimate of value.

    In large, liquid stocks many arbitrageurs act on small mispricings, so the default threshold
    is 10 bp with 15 bp of estimate noise: with 40 bp and 60 bp (a first guess) prices trailed
    value for tens of minutes and 1-minute returns were autocorrelated at 0.2 even at lag 20,
    which real prices are not (Cont 2001).
    """

    count: int = param(3000, 0, 200_000, doc="investors")
    rate_per_min: float = param(0.6, 0.0, 60.0, doc="decisions per investor per minute")
    notional: float = param(20_000.0, 100.0, 1e8, doc="dollars per order (before scaling)")
    threshold: float = param(0.001, 0.0, 0.5, doc="mispricing (fraction) needed to trade")
    take_prob: float = param(0.6, 0.0, 1.0, doc="probability of crossing the spread")
    position_limit: float = param(40.0, 0.0, 1e6, doc="max position, in orders' worth")
    bias_sd: float = param(0.0015, 0.0, 0.5, doc="sd of the log bias of each estimate")
    doubt: float = param(0.05, 0.0, 10.0, doc="mispricing (fraction) at which a trader who "
                         "has not heard the latest news suspects it and stays out")
    commitment: float = param(0.05, 1e-4, 10.0, doc="mispricing (fraction) per extra position "
                              "limit: bigger mispricings draw more capital")


@dataclass(frozen=True)
class Momentum:
    """Trend followers: trade with an exponential average of recent returns."""

    count: int = param(1200, 0, 200_000, doc="investors")
    rate_per_min: float = param(0.6, 0.0, 60.0, doc="decisions per investor per minute")
    notional: float = param(20_000.0, 100.0, 1e8, doc="dollars per order")
    threshold: float = param(1.0, 0.0, 100.0, doc="signal threshold, in sds of the fast average")
    slow_weight: float = param(0.5, 0.0, 1.0, doc="weight of the slow average in the signal")
    position_limit: float = param(20.0, 0.0, 1e6, doc="max position, in orders' worth")


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
    """

    per_stock: int = param(4, 0, 100, doc="market makers per stock")
    rate_per_min: float = param(12.0, 0.0, 600.0, doc="requotes per minute")
    notional: float = param(30_000.0, 100.0, 1e8, doc="dollars per quote")
    half_spread_bp: float = param(0.5, 0.01, 500.0, doc="half-spread in basis points of mid")
    widen: float = param(1.0, 0.0, 100.0, doc="widening per unit of excess volatility ratio")
    inventory_limit: float = param(20.0, 0.0, 1e6, doc="inventory limit, in quotes' worth")
    withdraw_ratio: float = param(4.0, 1.0, 1000.0, doc="volatility ratio at which it withdraws")


@dataclass(frozen=True)
class Leveraged:
    """Multi-stock funds on margin: past the leverage limit they sell every holding pro rata.

    By default they hold the AI supply chain (the stocks whose role sells AI compute or its
    inputs), value-weighted: AI-themed long books, so one stock's fall forces sales of all the
    others (overlapping portfolios). Hedge funds' gross leverage was near record highs in early
    2025 (prime brokers reported about 2.8-2.9x); a limit of 3.2 leaves a cushion of a ~6% fall
    of the basket.
    """

    count: int = param(20, 0, 10_000, doc="funds")
    rate_per_min: float = param(1.0, 0.0, 60.0, doc="margin checks per fund per minute")
    equity: float = param(2e7, 0.0, 1e12, doc="starting equity per fund, dollars")
    leverage: float = param(2.8, 1.0, 20.0, doc="starting gross exposure / equity")
    leverage_limit: float = param(3.2, 1.0, 50.0, doc="exposure / equity that forces sales")
    basket: str = param("ai", choices=("ai", "all"),
                        doc="what they hold: the AI supply chain or every stock")
    sell_fraction: float = param(0.05, 0.0, 1.0, doc="fraction of each holding sold per check")


@dataclass(frozen=True)
class Passive:
    """Passive and sector-ETF funds: flows that buy or sell all constituents at once."""

    count: int = param(10, 0, 10_000, doc="funds")
    rate_per_min: float = param(1.0, 0.0, 60.0, doc="flow orders per fund per minute")
    notional: float = param(200_000.0, 0.0, 1e10, doc="dollars per flow order, whole basket")
    flow_noise: float = param(1.0, 0.0, 10.0, doc="baseline random creations/redemptions")


@dataclass(frozen=True)
class Population:
    """Counts and parameters of every investor kind."""

    fundamental: Fundamental = param(Fundamental())
    momentum: Momentum = param(Momentum())
    noise: Noise = param(Noise())
    market_maker: MarketMaker = param(MarketMaker())
    leveraged: Leveraged = param(Leveraged())
    passive: Passive = param(Passive())


class World:
    """Arrays and endowments of a population over a universe of stocks (see build_investors)."""

    def __init__(self, inv, cash_cents, shares, kinds_count):
        self.inv = inv
        self.cash_cents = cash_cents
        self.shares = shares
        self.kinds_count = kinds_count


def _home_stocks(n, weights, rng):
    """Assign n single-stock traders to stocks in proportion to `weights` (largest remainders)."""
    w = np.asarray(weights, float) / np.sum(weights)
    base = np.floor(w * n).astype(np.int64)
    rest = n - base.sum()
    order = np.argsort(-(w * n - base), kind="stable")[:rest]
    base[order] += 1
    homes = np.repeat(np.arange(w.size), base)
    rng.shuffle(homes)
    return homes


def build_investors(pop: Population, prices, market_value, rng, n_news: int = 0,
                    basket_mask=None, ai_mask=None) -> World:
    """Investor arrays for `pop` over stocks with `prices` (dollars) and `market_value` (any unit).

    Single-stock traders are spread over stocks in proportion to the square root of market value
    (bigger stocks draw more traders, less than proportionally). Starting positions: value,
    momentum and noise traders hold a random long position of their home stock; market makers
    start flat; leveraged funds hold their value-weighted basket (`ai_mask`: the AI supply chain)
    at their starting leverage with the difference borrowed (negative cash); passive funds hold
    the basket unlevered. Every account starts with ample cash, so what trading conserves is
    fixed here.
    """
    prices = np.asarray(prices, float)
    ns = prices.size
    mv = np.asarray(market_value, float)
    def weights(mask):
        w = mv if mask is None else np.where(mask, mv, 0.0)
        return w / w.sum() if w.sum() > 0 else mv / mv.sum()

    basket = weights(basket_mask)
    lev_basket = weights(ai_mask if pop.leveraged.basket == "ai" else basket_mask)
    f, mo, no, mm, lv, pa = (pop.fundamental, pop.momentum, pop.noise, pop.market_maker,
                             pop.leveraged, pop.passive)
    K = Kind
    counts = {K.FUNDAMENTAL: f.count, K.MOMENTUM: mo.count, K.NOISE: no.count,
              K.MARKET_MAKER: mm.per_stock * ns, K.LEVERAGED: lv.count, K.PASSIVE: pa.count}
    counts = [counts[k] for k in Kind]  # in code order: investors are grouped by kind
    n = int(sum(counts))
    kind = np.repeat(np.array([int(k) for k in Kind]), counts).astype(np.int64)
    home = np.full(n, -1, np.int64)
    rate = np.zeros(n)
    par = np.zeros((n, N_PAR))
    bias = np.zeros(n)
    weights = np.sqrt(mv)
    start = np.cumsum([0] + counts)
    sl = {k: slice(start[k], start[k + 1]) for k in Kind}
    for k, c in ((K.FUNDAMENTAL, f), (K.MOMENTUM, mo), (K.NOISE, no)):
        home[sl[k]] = _home_stocks(counts[k], weights, rng)
        rate[sl[k]] = c.rate_per_min / 60.0
    home[sl[K.MARKET_MAKER]] = np.repeat(np.arange(ns), mm.per_stock)
    rate[sl[K.MARKET_MAKER]] = mm.rate_per_min / 60.0
    rate[sl[K.LEVERAGED]] = lv.rate_per_min / 60.0
    rate[sl[K.PASSIVE]] = pa.rate_per_min / 60.0
    px = np.where(home >= 0, prices[np.maximum(home, 0)], 1.0)

    def shares_of(notional):
        return np.maximum(1.0, np.round(notional / px))

    def put(k, **values):  # parameters of kind k by column name, in the order given
        for name, v in values.items():
            par[sl[k], SCHEMAS[k].column(name)] = v

    size = shares_of(f.notional)[sl[K.FUNDAMENTAL]]
    put(K.FUNDAMENTAL, size=size, threshold=f.threshold, take_prob=f.take_prob,
        position_limit=f.position_limit * size, doubt=f.doubt, commitment=f.commitment)
    bias[sl[K.FUNDAMENTAL]] = (rng.normal(0.0, f.bias_sd, counts[K.FUNDAMENTAL])
                               if counts[K.FUNDAMENTAL] else 0.0)
    size = shares_of(mo.notional)[sl[K.MOMENTUM]]
    put(K.MOMENTUM, size=size, threshold=mo.threshold, slow_weight=mo.slow_weight,
        position_limit=mo.position_limit * size)
    put(K.NOISE, size=shares_of(no.notional)[sl[K.NOISE]], market_prob=no.market_prob,
        limit_distance=no.limit_distance, dip_threshold=no.dip_threshold,
        dip_propensity=no.dip_propensity)
    size = shares_of(mm.notional)[sl[K.MARKET_MAKER]]
    put(K.MARKET_MAKER, size=size, half_spread_bp=mm.half_spread_bp, widen=mm.widen,
        inventory_limit=mm.inventory_limit * size, withdraw_ratio=mm.withdraw_ratio)
    put(K.LEVERAGED, leverage_limit=lv.leverage_limit, sell_fraction=lv.sell_fraction)
    put(K.PASSIVE, size=pa.notional / np.maximum(1.0, prices @ basket) if ns else 0.0)

    bask = np.zeros((n, ns))
    bask[sl[K.LEVERAGED]] = lev_basket
    bask[sl[K.PASSIVE]] = basket

    # endowments (cash in cents, shares)
    shares = np.zeros((n, ns), np.int64)
    cash = np.full(n, 10**11, np.int64)  # $1bn of credit line each: cash never binds a decision
    for k in (K.FUNDAMENTAL, K.MOMENTUM, K.NOISE):
        idx = np.arange(start[k], start[k + 1])
        if idx.size:
            lim = (par[idx, SCHEMAS[k].column("position_limit")] if k != K.NOISE
                   else 20 * par[idx, SCHEMAS[k].column("size")])
            shares[idx, home[idx]] = np.round(rng.uniform(0.2, 0.6, idx.size) * lim).astype(
                np.int64)
    for j in range(start[K.LEVERAGED], start[K.LEVERAGED + 1]):
        hold = lv.equity * lv.leverage * lev_basket / prices
        shares[j] = np.round(hold).astype(np.int64)
        cash[j] = int(round((lv.equity - (shares[j] * prices).sum()) * 100))
    for j in range(start[K.PASSIVE], start[K.PASSIVE + 1]):
        shares[j] = np.round(50 * pa.notional * basket / prices).astype(np.int64)

    # investors grouped by the stock they trade, basket traders last: the compiled loop draws a
    # group by its activity-weighted rate, then an investor within it by rate
    group = np.where(home >= 0, home, ns)
    order = np.argsort(group, kind="stable").astype(np.int64)
    gstart = np.searchsorted(group[order], np.arange(ns + 2)).astype(np.int64)
    from . import _kernels as AK  # numba: only when a world is built

    inv = AK.Investors(
        kind=kind, acct=np.arange(n, dtype=np.int64), home=home, rate=rate,
        cum=np.cumsum(rate[order]), par=par, bias=bias, anchor=np.full(n, np.nan),
        oid=np.full((n, 2), -1, np.int64),
        basket=bask, hear=np.zeros((n_news, n)), order=order, gstart=gstart, gw=np.zeros(ns + 1),
    )
    return World(inv, cash, shares, dict(zip(KIND_NAMES, counts, strict=True)))
