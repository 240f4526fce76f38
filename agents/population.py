"""Investor populations: which kinds, how many and with what parameters, and the arrays built
from them.

Each kind is its own module in agents/kinds/ (its parameter dataclass, decision function, twin
and build hooks; re-exported here: `Fundamental`, `Noise`, ...); its parameters carry units and
allowed ranges (bad values raise `agents.params.ParamError` naming the field). A population has
a field per kind, named as the kind; `build_investors` builds every registered kind the
population has a field for. Sizes are given as a notional in dollars per order and converted to
shares at each stock's price, so one population works for a $20 and a $700 stock alike.
"""

from dataclasses import dataclass

import numpy as np

from . import kinds as _kinds
from .beliefs import conviction
from .kinds.abides_maker import AbidesMaker
from .kinds.abides_momentum import AbidesMomentum
from .kinds.abides_noise import AbidesNoise
from .kinds.abides_value import AbidesValue
from .kinds.fundamental import Fundamental
from .kinds.leveraged import Leveraged, fund_baskets
from .kinds.market_maker import MarketMaker
from .kinds.momentum import Momentum
from .kinds.noise import Noise
from .kinds.passive import Passive
from .kinds.theme import Theme
from .params import param
from .schema import KIND_NAMES, N_PAR, SCHEMAS, Kind, kind_code

P_SIZE = 0  # column of the order size in every kind's row (agents/schema.py)

__all__ = [
    "Fundamental",
    "Theme",
    "Momentum",
    "Noise",
    "MarketMaker",
    "Leveraged",
    "Passive",
    "Population",
    "AbidesNoise",
    "AbidesValue",
    "AbidesMomentum",
    "AbidesMaker",
    "AbidesPopulation",
    "World",
    "build_investors",
    "fund_baskets",
    "KIND_NAMES",
    "kind_code",
    "mute_trend_followers",
    "maker_rows",
    "set_maker_quotes",
    "return_capital",
    "basket_returns",
    "set_fund_flows",
]

def mute_trend_followers(inv) -> None:
    """Trend followers never trade (their threshold becomes infinite): the informational channel
    off means no trend following on top of the news."""
    inv.par[inv.kind == Kind.MOMENTUM, SCHEMAS[Kind.MOMENTUM].column("threshold")] = np.inf


def return_capital(inv, cash_cents, shares, prices_cents, capital0, fraction: float) -> None:
    """Value traders' capital at an open: `fraction` of what each has lost or seen withdrawn
    since the start (its equity below `capital0`, cents) comes back, as new arbitrage capital
    arrives (Duffie 2010). Equity as the kernel counts it: capital + cash + holdings at
    `prices_cents` - starting wealth, and a loss's `redemption` withdrawn on top."""
    rows = np.flatnonzero((inv.kind == Kind.FUNDAMENTAL) | (inv.kind == Kind.THEME))
    if rows.size == 0:
        return
    pnl = cash_cents[rows] + shares[rows] @ np.asarray(prices_cents, float) - inv.w0[rows]
    red = inv.par[rows, SCHEMAS[Kind.FUNDAMENTAL].column("redemption")]
    eq = inv.capital[rows] + pnl + red * np.minimum(0.0, pnl)
    inv.capital[rows] += fraction * np.maximum(0.0, capital0[rows] - eq)


def basket_returns(inv, prices_cents, prev_cents) -> np.ndarray:
    """Each passive fund's basket return (fraction) from `prev_cents` to `prices_cents`, with
    its row in the investor arrays: (rows, returns)."""
    rows = np.flatnonzero(inv.kind == Kind.PASSIVE)
    r = np.asarray(prices_cents, float) / np.asarray(prev_cents, float) - 1.0
    return rows, inv.basket[rows] @ r


def set_fund_flows(inv, rows, flows) -> None:
    """Passive funds' (`rows`) own flows this minute (shares per arrival per unit of basket),
    in place."""
    inv.fflow[rows] = flows


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
class Population:
    """Counts and parameters of every investor kind."""

    fundamental: Fundamental = param(Fundamental())
    momentum: Momentum = param(Momentum())
    noise: Noise = param(Noise())
    market_maker: MarketMaker = param(MarketMaker())
    leveraged: Leveraged = param(Leveraged())
    passive: Passive = param(Passive())
    theme: Theme = param(Theme())




@dataclass(frozen=True)
class AbidesPopulation(Population):
    """A population with ABIDES's RMSC04 agent kinds beside the built-in ones."""

    abides_noise: AbidesNoise = param(AbidesNoise())
    abides_value: AbidesValue = param(AbidesValue())
    abides_momentum: AbidesMomentum = param(AbidesMomentum())
    abides_maker: AbidesMaker = param(AbidesMaker())




class World:
    """Arrays and endowments of a population over a universe of stocks (see build_investors)."""

    def __init__(self, inv, cash_cents, shares, kinds_count):
        self.inv = inv
        self.cash_cents = cash_cents
        self.shares = shares
        self.kinds_count = kinds_count




def build_investors(pop: Population, prices, market_value, rng, n_news: int = 0,
                    basket_mask=None, ai_mask=None, returns=None, sector_mask=None,
                    theme_weights=None, ai_weights=None, conviction_sd: float = 0.0) -> World:
    """Investor arrays for `pop` over stocks with `prices` (dollars) and `market_value` (any unit).

    Single-stock traders are spread over stocks in proportion to the square root of market value
    (bigger stocks draw more traders, less than proportionally). Starting positions: value,
    momentum and noise traders hold a random long position of their home stock; market makers
    start flat; leveraged funds hold their baskets (`fund_baskets`: `ai_mask` the AI supply
    chain, `returns` the 2024 returns), those on margin at their starting leverage with the
    difference borrowed (negative cash), the others 98% invested; passive funds hold their
    basket unlevered (`sector_share` of them the `sector_mask` stocks, the rest `basket_mask`,
    both value-weighted). `ai_weights` (per stock, e.g. the AI theme's basket: market value
    times the AI-linked share of value) is the leveraged funds' AI book (without it, `ai_mask`'s
    stocks value-weighted); `theme_weights` homes the theme traders (in proportion to the square
    root of market value times the AI-linked share; without it, like value traders). Each
    investor's conviction (agents.beliefs) is drawn last, log sd `conviction_sd`. Every account
    but the funds' starts with ample cash, so what trading conserves is fixed here; value
    traders' own capital is `Fundamental.capital`, the rest is a credit line their risk limits
    never let them use.
    """
    from ._kernels import Investors, investor_records  # numba: a world needs it, a definition not

    prices = np.asarray(prices, float)
    ns = prices.size
    mv = np.asarray(market_value, float)
    b = _kinds.Build(pop, prices, mv, rng, dict(
        basket_mask=basket_mask, ai_mask=ai_mask, returns=returns, sector_mask=sector_mask,
        theme_weights=theme_weights, ai_weights=ai_weights))
    specs = _kinds.kinds()
    present = {ks.code: getattr(pop, ks.name) for ks in specs
               if getattr(pop, ks.name, None) is not None}
    # in code order: investors grouped by kind
    counts = [int(ks.count(present[ks.code], ns)) if ks.code in present else 0 for ks in specs]
    n = int(sum(counts))
    start = np.cumsum([0] + counts)
    rows = {ks.code: slice(int(start[ks.code]), int(start[ks.code + 1])) for ks in specs}
    b.start = start
    b.kind = np.repeat(np.array([ks.code for ks in specs], np.int64), counts).astype(np.int64)
    b.home = np.full(n, -1, np.int64)
    b.rate = np.zeros(n)
    b.par = np.zeros((n, N_PAR))
    b.bias = np.zeros(n)
    b.capital = np.zeros(n)  # cents
    b.basket = np.zeros((n, ns))
    b.shares = np.zeros((n, ns), np.int64)
    b.cash = np.full(n, 10**11, np.int64)  # $1bn of credit line each: cash never binds

    def phase(hook_name):  # every kind present, in code order (this order fixes the draws)
        for ks in specs:
            hook = getattr(ks, hook_name)
            if ks.code in present and hook is not None:
                hook(b, ks, present[ks.code], rows[ks.code])

    phase("homes")
    home = b.home
    b.px = np.where(home >= 0, prices[np.maximum(home, 0)], 1.0)
    phase("fill")
    phase("endow")

    # investors grouped by the stock they trade, basket traders last: the compiled loop draws a
    # group by its activity-weighted rate, then an investor within it by rate
    group = np.where(home >= 0, home, ns)
    order = np.argsort(group, kind="stable").astype(np.int64)
    gstart = np.searchsorted(group[order], np.arange(ns + 2)).astype(np.int64)
    rec = investor_records(n)
    rec["par"], rec["bias"], rec["capital"], rec["anchor"] = b.par, b.bias, b.capital, np.nan
    rec["w0"] = b.cash + b.shares @ (prices * 100.0)
    rec["conv"] = conviction(n, conviction_sd, rng)
    extra = tuple(c for c in present if c not in _kinds.builtin_codes() and counts[c])
    inv = Investors(
        kind=b.kind, acct=np.arange(n, dtype=np.int64), home=home, rate=b.rate,
        cum=np.cumsum(b.rate[order]), par=rec["par"], bias=rec["bias"], anchor=rec["anchor"],
        oid=np.full((n, 2), -1, np.int64), basket=b.basket, hear=np.zeros((n_news, n)),
        hsal=np.zeros((n_news, n)), conv=rec["conv"], order=order, gstart=gstart,
        gw=np.zeros(ns + 1), capital=rec["capital"], w0=rec["w0"], fflow=rec["fflow"],
        guide=np.zeros(n, np.int64), batch=np.zeros(4096, np.int64), gx=np.zeros((3, ns + 1)),
        kinds=tuple(sorted(set(_kinds.builtin_codes()) | set(extra))) if extra else (),
    )
    names = [ks.name for ks in specs]
    kinds_count = dict(zip(names, counts, strict=True))
    return World(inv, b.cash, b.shares, {k: kinds_count[k] for k in KIND_NAMES} | {
        names[c]: counts[c] for c in extra})
