"""Investor populations: parameters per kind (frozen dataclasses) and the arrays built from them.

Each kind is a small decision kernel in `agents/_kernels.py`; its parameters here carry units and
allowed ranges (bad values raise `agents.params.ParamError` naming the field). Sizes are given as
a notional in dollars per order and converted to shares at each stock's price, so one population
works for a $20 and a $700 stock alike.
"""

from dataclasses import dataclass

import numpy as np

from .beliefs import conviction
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

    Limits to arbitrage (Shleifer & Vishny 1997; Gromb & Vayanos 2010): each trader's capital is
    finite, so a stock's arbitrage capital is the sum over the traders who trade it and the
    market's the sum over stocks. What a trader may hold (agents/_kernels.py `_arb_cap`) is
    ``max_gross * (capital + P&L + redemption * min(0, P&L)) * min(1, sd_ref / sd_now) / price``:
    losses and the withdrawals that follow them shrink it, so does a rise in volatility (a risk
    budget), and a trader over it must cut its position at market, whatever its view. Nothing
    resets overnight: capital lost on one day is missing at the next open, and returns only
    with half-life ``capital_return_days`` (new arbitrage capital is slow to arrive: Duffie 2010;
    Mitchell, Pedersen & Pulvino 2007), which is what lets forced selling's discount revert.

    Sizing ``capital`` from pre-event facts: hedge funds hold roughly 3% of large US companies'
    shares (an order of magnitude from 13F filings), and Nvidia traded about 0.9% of its shares
    a day in January 2025 (220M of 24.49bn), so their holdings are about 3.3 days of its volume;
    at the ~2.85x gross leverage prime brokers reported for January 2025, the capital behind
    them is about 3.3 / 2.85 = 1.2 days of volume. The model trades about $1.1bn of Nvidia on
    a normal day (its own 24 January, 7.6M shares at ~$144) with 345 value traders in it:
    1.2 x $1.1bn / 345 is about $3.7M of capital each (one value per trader, for every stock).
    ``max_gross`` 4: prime brokers' portfolio margin on diversified large-cap books allows
    about 4-6x gross; 4 is the cautious end. ``redemption`` 0.5: an assumption (half of a loss
    withdrawn on top), not fitted. ``capital_return_days`` 1: price pressure on NYSE liquidity
    providers' inventories decays with a half-life of about a day (Hendershott & Menkveld 2014).
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
    capital: float = param(3.7e6, 0.0, 1e12, doc="own capital (equity) per value trader, "
                           "dollars: it may hold at most max_gross times it, less its losses")
    max_gross: float = param(4.0, 0.01, 100.0, doc="largest position / own capital at normal "
                             "volatility (shrinks as 1 / the volatility ratio)")
    redemption: float = param(0.5, 0.0, 10.0, doc="share of each dollar it loses that its "
                              "investors withdraw on top (performance-based arbitrage)")
    capital_returns: bool = param(True, doc="capital lost or withdrawn comes back over days "
                                  "(else it is gone for good)")
    capital_return_days: float = param(1.0, 0.01, 1000.0, doc="half-life of that return, "
                                       "trading days")


@dataclass(frozen=True)
class Theme(Fundamental):
    """Theme traders: value traders who hold the AI theme as a theme. They read every news as
    news about the theme: a row's jump averaged over the theme's stocks (weights: market value
    times the AI-linked share of value, agents/expectations.py), not their own stock's jump, so a
    power producer or a lithography maker is marked down with the theme (style investing:
    Barberis & Shleifer 2003; comovement beyond fundamentals: Barberis, Shleifer & Wurgler 2005).
    They trade as value traders do (the same parameters and capital, `Fundamental`), homed on the
    theme's stocks in proportion to the square root of market value times the AI-linked share.

    Sized from the crowding of the trade before the event: "long Magnificent 7" was the most
    crowded trade in BofA's Global Fund Manager Survey through 2024 and again in January 2025,
    and thematic AI and semiconductor ETFs had drawn record inflows in 2024 (SMH and SOXX about
    $35-40bn at the end of 2024): a large part of the institutions in these stocks held them as
    one trade. 750 theme traders beside the 3,000 value traders make about a fifth of the
    value-type traders (a third in Nvidia, none in Apple): an order of magnitude, not
    fitted. With the theme channel off they read news as their own stock's (ordinary value
    traders), so runs differ only in that.
    """

    count: int = param(750, 0, 200_000, doc="investors")


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


@dataclass(frozen=True)
class Passive:
    """Passive index and sector-ETF funds: flows that buy or sell every constituent by weight.

    Fund flows (Ben-David, Franzoni & Moussawi 2018): ETF investors chase returns, so a fall
    of a fund's basket brings outflows that sell every constituent by its weight, on the day
    and the days after (flows follow past returns over days: Clifford, Fulkerson & Jordan 2014).
    A fund's own flow, in baskets per arrival, is ``flow_per_return * (r_today + m)``, with
    r_today its basket's return since the previous close and m the memory of earlier days'
    returns, ``m <- 0.5 ** (1 / flow_days) * (m + r_yesterday)`` at each open
    (scenarios/news.py). ``sector_share`` of the funds are semiconductor ETFs (chip designers,
    IP, foundry, equipment, memory, value-weighted), the rest index funds (the whole universe):
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


# ABIDES's RMSC04 agents (jpmorganchase/abides-jpmc-public, abides-markets: configs/rmsc04.py and
# the agents it builds), for `scenarios/abides.py`: the comparison with ABIDES on equal work.
# Their order sizes follow RMSC04's order-size model (`_abides_size` in agents/_kernels.py);
# prices are in ticks (cents) as in ABIDES, so the tick-valued parameters are ABIDES's own.


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


@dataclass(frozen=True)
class AbidesValue:
    """RMSC04's value agents: Poisson wake-ups; each cancels its order, observes the fundamental
    with noise, shrinks the observation toward r_bar by its mean reversion to the close, and
    sends one limit order: a buy if that estimate is at or above the mid, else a sell, priced at
    the opposite best less (buy) or plus (sell) a random number of ticks in [0, 2 spreads), or
    exactly at it with probability 0.1. With one side of the book empty: a random side at the
    estimate.

    The fundamental is the loop's value path (see scenarios/abides.py for how it matches RMSC04's
    oracle). r_bar is the stock's starting price (RMSC04: 100,000 ticks).
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


@dataclass(frozen=True)
class AbidesMaker:
    """RMSC04's adaptive POV market makers: Poisson wake-ups; each cancels its ladder and posts
    `num_ticks` bids and as many asks of pov x the volume traded in the last minute (at least
    min_order_size). The ladder's inner prices sit half a spread around the mid moved by
    price_skew ticks times the trade imbalance; levels are level_spacing spreads apart, the
    spread being an exponential average of observed spreads (weight spread_alpha, starting at
    50 ticks). Inventory is ignored (skew_beta 0) and no backstop is posted (backstop 0).

    Each level of the ladder is an investor row of its own (a row holds one bid and one ask);
    the first row leads and requotes them all. The volume seen is that of the current minute
    scaled to 60 s (the tape holds fills since the last minute bar). RMSC04's makers also
    requote on a book-imbalance signal; these do not.
    """

    per_stock: int = param(0, 0, 100, doc="market makers per stock (RMSC04: 2)")
    # wake_up_freq 60 s, poisson_arrival True
    rate_per_min: float = param(1.0, 0.0, 600.0, doc="requotes per minute (RMSC04: 1)")
    pov: float = param(0.025, 1e-6, 1.0, doc="share of last minute's volume per level "
                       "(RMSC04: 0.025)")
    min_order_size: int = param(1, 1, 1_000_000, doc="shares, at least (RMSC04: 1)")
    num_ticks: int = param(10, 1, 100, doc="levels on each side (RMSC04: 10)")
    level_spacing: float = param(5.0, 0.01, 100.0, doc="level spacing in spreads (RMSC04: 5)")
    spread_alpha: float = param(0.75, 0.0, 1.0, doc="weight of the newest spread in the "
                                "average (RMSC04: 0.75)")
    price_skew: float = param(4.0, 0.0, 1000.0, doc="ticks the ladder moves per unit of trade "
                              "imbalance (RMSC04: 4)")


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


def _abides_kinds(pop) -> dict:
    """The ABIDES kinds a population has (an `AbidesPopulation`), by Kind; none for others."""
    return {k: getattr(pop, k.label) for k in (Kind.ABIDES_NOISE, Kind.ABIDES_VALUE,
                                               Kind.ABIDES_MOMENTUM, Kind.ABIDES_MAKER)
            if hasattr(pop, k.label)}


def _put_abides(ab, sl, counts, home, rate, par, weights, prices, ns, rng) -> None:
    """Homes, rates and parameter rows of the ABIDES kinds `ab` (draws only for kinds present).

    A maker's ladder is `num_ticks` consecutive rows of its stock: the first leads (its size is
    the minimum order size, its rate the requote rate); the others are its levels (size 0,
    rate 0: never drawn to arrive).
    """
    K = Kind

    def put(k, **values):
        for name, v in values.items():
            par[sl[k], SCHEMAS[k].column(name)] = v

    for k in (K.ABIDES_NOISE, K.ABIDES_VALUE, K.ABIDES_MOMENTUM):
        if k in ab and counts[k]:
            home[sl[k]] = _home_stocks(counts[k], weights, rng)
            rate[sl[k]] = ab[k].rate_per_min / 60.0
    if counts[K.ABIDES_NOISE]:
        c = ab[K.ABIDES_NOISE]
        from market import SESSION_SECONDS

        put(K.ABIDES_NOISE, size=c.size, done_day=-1.0,
            wake_s=rng.uniform(0.0, SESSION_SECONDS, counts[K.ABIDES_NOISE]))
    if counts[K.ABIDES_VALUE]:
        c = ab[K.ABIDES_VALUE]
        put(K.ABIDES_VALUE, size=c.size, obs_sd=c.obs_sd, kappa=c.kappa,
            r_bar=np.round(prices[home[sl[K.ABIDES_VALUE]]] * 100.0),
            aggressive_prob=c.aggressive_prob, depth_spread=c.depth_spread)
    if counts[K.ABIDES_MOMENTUM]:
        c = ab[K.ABIDES_MOMENTUM]
        put(K.ABIDES_MOMENTUM, size=c.size, fast_n=c.fast_n, slow_n=c.slow_n, ma_fast=0.0,
            ma_slow=0.0, seen=0.0)
    if counts[K.ABIDES_MAKER]:
        c = ab[K.ABIDES_MAKER]
        rows = np.arange(sl[K.ABIDES_MAKER].start, sl[K.ABIDES_MAKER].stop)
        home[rows] = np.repeat(np.arange(ns), c.per_stock * c.num_ticks)
        lead = rows[(rows - rows[0]) % c.num_ticks == 0]
        put(K.ABIDES_MAKER, pov=c.pov, level_spacing=c.level_spacing,
            spread_alpha=c.spread_alpha, price_skew=c.price_skew,
            spread=50.0)  # RMSC04's INITIAL_SPREAD_VALUE, ticks
        par[lead, P_SIZE] = c.min_order_size
        rate[lead] = c.rate_per_min / 60.0


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
    prices = np.asarray(prices, float)
    ns = prices.size
    mv = np.asarray(market_value, float)
    def weights(mask):
        w = mv if mask is None else np.where(mask, mv, 0.0)
        return w / w.sum() if w.sum() > 0 else mv / mv.sum()

    basket = weights(basket_mask)
    sector_basket = weights(sector_mask)
    lev_baskets = fund_baskets(pop.leveraged, mv, ai_mask, returns, ai_weights)
    f, mo, no, mm, lv, pa = (pop.fundamental, pop.momentum, pop.noise, pop.market_maker,
                             pop.leveraged, pop.passive)
    th = getattr(pop, "theme", None)
    K = Kind
    counts = {K.FUNDAMENTAL: f.count, K.MOMENTUM: mo.count, K.NOISE: no.count,
              K.MARKET_MAKER: mm.per_stock * ns, K.LEVERAGED: lv.count, K.PASSIVE: pa.count,
              K.THEME: th.count if th is not None else 0}
    ab = _abides_kinds(pop)
    counts.update({k: (c.count if k != K.ABIDES_MAKER else c.per_stock * ns * c.num_ticks)
                   for k, c in ab.items()})
    counts = [counts.get(k, 0) for k in Kind]  # in code order: investors grouped by kind
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
    if counts[K.THEME]:
        # sqrt(market value) x AI-linked share, the theme's weights being value x that share
        tw = weights if theme_weights is None else (
            np.asarray(theme_weights, float) / np.sqrt(np.maximum(mv, 1e-300)))
        home[sl[K.THEME]] = _home_stocks(counts[K.THEME], tw, rng)
        rate[sl[K.THEME]] = th.rate_per_min / 60.0
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
        position_limit=f.position_limit * size, doubt=f.doubt, commitment=f.commitment,
        max_gross=f.max_gross, redemption=f.redemption)
    bias[sl[K.FUNDAMENTAL]] = (rng.normal(0.0, f.bias_sd, counts[K.FUNDAMENTAL])
                               if counts[K.FUNDAMENTAL] else 0.0)
    if counts[K.THEME]:
        size = shares_of(th.notional)[sl[K.THEME]]
        put(K.THEME, size=size, threshold=th.threshold, take_prob=th.take_prob,
            position_limit=th.position_limit * size, doubt=th.doubt, commitment=th.commitment,
            max_gross=th.max_gross, redemption=th.redemption)
        bias[sl[K.THEME]] = rng.normal(0.0, th.bias_sd, counts[K.THEME])
    size = shares_of(mo.notional)[sl[K.MOMENTUM]]
    put(K.MOMENTUM, size=size, threshold=mo.threshold, slow_weight=mo.slow_weight,
        position_limit=mo.position_limit * size)
    put(K.NOISE, size=shares_of(no.notional)[sl[K.NOISE]], market_prob=no.market_prob,
        limit_distance=no.limit_distance, dip_threshold=no.dip_threshold,
        dip_propensity=no.dip_propensity)
    size = shares_of(mm.notional)[sl[K.MARKET_MAKER]]
    put(K.MARKET_MAKER, size=size, half_spread_bp=mm.half_spread_bp, widen=mm.widen,
        inventory_limit=mm.inventory_limit * size, withdraw_ratio=mm.withdraw_ratio)
    n_margin = int(round(lv.margin_share * lv.count))
    on_margin = np.arange(lv.count) < n_margin
    put(K.LEVERAGED, leverage_limit=np.where(on_margin, lv.leverage_limit, 1.0),
        sell_fraction=lv.sell_fraction, redemption=lv.redemption)
    n_sector = int(round(pa.sector_share * pa.count))
    pas_baskets = np.where((np.arange(pa.count) < n_sector)[:, None], sector_basket, basket)
    put(K.PASSIVE, size=pa.notional * 100.0)  # cents per basket: each stock w * size of it

    _put_abides(ab, sl, counts, home, rate, par, weights, prices, ns, rng)

    bask = np.zeros((n, ns))
    bask[sl[K.LEVERAGED]] = lev_baskets
    bask[sl[K.PASSIVE]] = pas_baskets

    # endowments (cash in cents, shares)
    shares = np.zeros((n, ns), np.int64)
    cash = np.full(n, 10**11, np.int64)  # $1bn of credit line each: cash never binds a decision
    for k in (K.FUNDAMENTAL, K.MOMENTUM, K.NOISE, K.THEME):
        idx = np.arange(start[k], start[k + 1])
        if idx.size:
            lim = (par[idx, SCHEMAS[k].column("position_limit")] if k != K.NOISE
                   else 20 * par[idx, SCHEMAS[k].column("size")])
            shares[idx, home[idx]] = np.round(rng.uniform(0.2, 0.6, idx.size) * lim).astype(
                np.int64)
    capital = np.zeros(n)  # cents
    capital[sl[K.FUNDAMENTAL]] = f.capital * 100.0
    if counts[K.THEME]:
        capital[sl[K.THEME]] = th.capital * 100.0
    for q, j in enumerate(range(start[K.LEVERAGED], start[K.LEVERAGED + 1])):
        hold = lv.equity * (lv.leverage if on_margin[q] else 0.98) * lev_baskets[q] / prices
        shares[j] = np.round(hold).astype(np.int64)
        cash[j] = int(round((lv.equity - (shares[j] * prices).sum()) * 100))
        capital[j] = lv.equity * 100.0
    for q, j in enumerate(range(start[K.PASSIVE], start[K.PASSIVE + 1])):
        shares[j] = np.round(50 * pa.notional * pas_baskets[q] / prices).astype(np.int64)

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
        basket=bask, hear=np.zeros((n_news, n)), hsal=np.zeros((n_news, n)),
        conv=conviction(n, conviction_sd, rng), order=order, gstart=gstart,
        gw=np.zeros(ns + 1), capital=capital, w0=cash + shares @ (prices * 100.0),
        fflow=np.zeros(n),
    )
    return World(inv, cash, shares, dict(zip(KIND_NAMES, counts, strict=True)))
