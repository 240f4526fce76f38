"""World building: the universe's stocks, the exchange, the investors and the loop's market view.

`build_world(spec, rng)` returns the `World` a scenario `spec` (scenarios.library.scenario.Scenario)
describes, drawing from `rng` in a fixed order (investors, the loop's two xoshiro states, the value
and news streams); `make_firms` its firms; `add_agents` the Mesa views on investors and firms (a
Mesa model only); `shock_schedule` orders the scenario's shocks by (day, minute).
"""

import dataclasses

import numpy as np

from agents.expectations import load_decomposition
from agents.firms import make_firm
from agents.loop import new_market_view
from agents.networks import ai_exposure, supply_graph
from agents.population import build_investors, mute_trend_followers
from agents.universe import SELLER_ROLES, load_edges, load_universe
from market import SESSION_SECONDS, Exchange, MarketRules

__all__ = ["World", "build_world", "make_firms", "add_agents", "shock_schedule",
           "ai_value_share", "value_context", "SECTOR_ROLES"]

#: what a semiconductor ETF holds (SMH / SOXX-like): chips and the chain that makes them
SECTOR_ROLES = ("chip_designer", "ip_licensor", "foundry", "equipment", "memory")


@dataclasses.dataclass(eq=False)
class World:
    """What a run trades in, built once from a scenario (`build_world`); arrays per traded stock
    are in the order of `tickers`.

    The fields are fixed at the build but for `inv` and `mk`: a row of news grows their arrays
    (agents.beliefs.add_row returns new ones, which the news puts here). The exchange, the
    investors' and market view's arrays and the firms change in place as the run trades.
    """

    # -- the universe and what a shock's effect reads of it (scenarios.library.shocks) ----------
    universe: object  #: the whole universe of stocks (agents.universe.Universe), traded or not
    graph: object  #: the supply network over the universe (agents.networks.supply_graph)
    exposure_params: object  #: the scenario's AI exposure parameters (spec.exposure)
    #: each stock's value decomposition: assets in place and AI-linked growth
    #: (agents.expectations.load_decomposition)
    decomposition: object
    #: what shocks move value through: (decomposition, spec.expectations), or None (the
    #: expectations channel off: current AI revenue alone)
    expectations: tuple | None
    propagate: bool  #: shocks propagate along the supply network (the fundamental channel)
    #: a firm per traded stock and per firm a shock names (a hyperscaler whose capex moves its
    #: suppliers whether or not its stock trades here), by ticker (agents.firms)
    firms: dict
    # -- the traded stocks -----------------------------------------------------------------------
    uidx: np.ndarray  #: int64: each traded stock's index in `universe`
    tickers: tuple  #: the traded stocks' tickers
    prices0: np.ndarray  #: dollars: each stock's close before the run (2025-01-24)
    shares_out: np.ndarray  #: millions of shares outstanding (the circuit breakers weigh them)
    roles: tuple  #: each stock's role in the AI chain (agents.universe)
    theme_a: np.ndarray  #: each stock's AI-linked share of value (ai_value_share)
    theme_w: np.ndarray  #: the AI theme's basket: market value x theme_a, summing to 1
    # -- the market and its traders ----------------------------------------------------------------
    exchange: Exchange  #: the exchange: books, tape, one account per investor
    inv: object  #: the investors' arrays (agents.loop's Investors); replaced as news adds rows
    kinds_count: dict  #: investors per kind
    wealth0: np.ndarray  #: dollars: each investor's cash + holdings at prices0 (P&L's zero)
    mk: object  #: the loop's market view (agents.loop's Mkt); replaced as news adds rows
    # -- the value process ----------------------------------------------------------------------
    overnight_sd: np.ndarray  #: sd of each stock's overnight value change (log)
    day_sd: np.ndarray  #: sd of each stock's value change over a whole day (log)
    #: overnight value news: a stream of its own (drawn from the build's generator), so that
    #: counterfactual runs share value paths (common random numbers)
    value_rng: np.random.Generator
    news_rng: np.random.Generator  #: who hears news when: a stream of its own, likewise


def build_world(spec, rng) -> World:
    """Stocks, exchange (one account per investor), investors, market view and firms of
    scenario `spec`, drawing from numpy generator `rng` (investors, the loop's xoshiro states,
    the value and news streams, in that order)."""
    scenario = spec
    uni = load_universe()
    idx = [uni.tickers.index(t) for t in scenario.tickers]
    graph = supply_graph(uni, load_edges(uni))
    decomposition = load_decomposition(uni, scenario.expectations)
    tickers = tuple(scenario.tickers)
    prices0 = np.asarray(uni.close_2025_01_24)[idx]
    mv = np.asarray(uni.shares_out_m)[idx] * prices0
    shares_out = np.asarray(uni.shares_out_m)[idx]
    roles = tuple(uni.roles[i] for i in idx)
    r = scenario.rules
    ex = Exchange(
        np.round(prices0 * 100).astype(np.int64), 1,
        MarketRules(auctions=r.auctions, luld=r.luld, luld_band_pct=r.luld_band_pct,
                    circuit_breaker=r.circuit_breaker,
                    self_trade_prevention=r.self_trade_prevention),
        pool_capacity=1 << 16, tape_capacity=1 << 18,
    )
    ai = np.array([r in SELLER_ROLES for r in roles])
    pop = scenario.population
    if not scenario.channels.crowding:  # no themes, no winners: every fund holds the market
        pop = dataclasses.replace(pop, leveraged=dataclasses.replace(pop.leveraged,
                                                                     basket="all"))
    theme_a = ai_value_share(uni, graph, scenario, decomposition)[idx]
    tw = np.asarray(uni.market_value_bn)[idx] * theme_a
    theme_w = tw / tw.sum() if tw.sum() > 0 else tw
    ch = scenario.channels
    investors = build_investors(pop, prices0, mv, rng, ai_mask=ai,
                                returns=np.asarray(uni.return_2024_pct)[idx],
                                sector_mask=np.array([r in SECTOR_ROLES for r in roles]),
                                theme_weights=theme_w,
                                ai_weights=theme_w if ch.theme else None,
                                conviction_sd=(scenario.beliefs.conviction_sd if ch.disagreement
                                               else 0.0))
    ex.open_accounts(investors.cash_cents, investors.shares)  # one account per investor
    wealth0 = investors.cash_cents / 100.0 + investors.shares @ prices0

    d = scenario.dynamics
    vol = np.asarray(uni.vol_2024_pct)[idx] / 100.0 * d.vol_scale
    per_s = vol / np.sqrt(252 * SESSION_SECONDS)
    intraday = per_s * np.sqrt(1.0 - d.overnight_share)
    mk = new_market_view(
        prices0, intraday, vol_of_vol=d.vol_of_vol, common_factor=d.common_factor,
        activity_gain=d.activity_gain, activity_max=d.activity_max,
        vol_persistence_min=d.vol_persistence_min, fast_min=d.fast_min, slow_min=d.slow_min,
        var_min=d.var_min, flow_noise=scenario.population.passive.flow_noise,
        informational=ch.informational, fire_sale=ch.fire_sale, liquidity=ch.liquidity,
        rng=rng, arbitrage_limits=ch.arbitrage_limits,
        overreaction=scenario.beliefs.overreaction if ch.overreaction else 0.0,
        theme=ch.theme, daily_sd=vol / np.sqrt(252), risk_decay=d.risk_decay)
    overnight_sd = vol / np.sqrt(252) * np.sqrt(d.overnight_share)
    value_rng = np.random.default_rng(rng.integers(0, 2**63 - 1))
    news_rng = np.random.default_rng(rng.integers(0, 2**63 - 1))

    if not scenario.channels.informational:  # no trend following on top of the news
        mute_trend_followers(investors.inv)
    return World(
        universe=uni, graph=graph, exposure_params=scenario.exposure,
        decomposition=decomposition,
        expectations=(decomposition, scenario.expectations) if ch.expectations else None,
        propagate=ch.fundamental, firms=make_firms(uni, tickers, spec),
        uidx=np.asarray(idx, np.int64), tickers=tickers, prices0=prices0, shares_out=shares_out,
        roles=roles, theme_a=theme_a, theme_w=theme_w,
        exchange=ex, inv=investors.inv, kinds_count=investors.kinds_count, wealth0=wealth0,
        mk=mk, overnight_sd=overnight_sd, day_sd=vol / np.sqrt(252),
        value_rng=value_rng, news_rng=news_rng)


def ai_value_share(universe, graph, scenario, decomposition) -> np.ndarray:
    """Each stock's AI-linked share of value over the whole universe: assets in place times
    their AI revenue share plus the AI-linked growth (agents/expectations.py). The AI theme's
    basket is market value times it, so a stock is in the theme as far as its value rests on
    AI, whatever its role."""
    ex = ai_exposure(universe, graph, scenario.exposure)
    s = np.array([ex[t].ai_revenue_share for t in universe.tickers])
    return decomposition.place * s + decomposition.ai_growth


def value_context(spec):
    """What a shock's `effect` reads of a world (universe, networks, the value model, fresh
    firms), without investors or an exchange: to size shocks before anything runs."""
    import types

    uni = load_universe()
    ctx = types.SimpleNamespace(universe=uni, graph=supply_graph(uni, load_edges(uni)),
                                exposure_params=spec.exposure,
                                propagate=spec.channels.fundamental, tickers=tuple(spec.tickers))
    dec = load_decomposition(uni, spec.expectations)
    ctx.expectations = (dec, spec.expectations) if spec.channels.expectations else None
    ctx.firms = make_firms(uni, ctx.tickers, spec)
    return ctx


def make_firms(universe, tickers, spec) -> dict:
    """A firm per traded stock of `tickers`, and per firm a shock of `spec` speaks for (a
    hyperscaler's capex guidance moves its suppliers through the supply network whether or not
    its own stock is in this world), by ticker."""
    named = [sh.firm for sh in spec.shocks
             if getattr(sh, "firm", None) and sh.firm not in tickers]
    firms = {}
    for t in [*tickers, *dict.fromkeys(named)]:
        i = universe.index(t)
        firms[t] = make_firm(t, universe.roles[i], universe.revenue_bn[i], universe.ai_share[i],
                             universe.capex_2025_bn[i])
    return firms


def add_agents(m) -> None:
    """Mesa views on a Mesa model `m`: one Investor agent per investor, one FirmAgent per firm
    of `m.firms` (agents.investor imports Mesa: only a Mesa model needs it)."""
    from agents.investor import FirmAgent, Investor

    n = m.inv.kind.size
    Investor.create_agents(m, n, list(range(n)))
    for firm in m.firms.values():
        FirmAgent(m, firm)


def shock_schedule(spec) -> dict:
    """The scenario's enabled shocks within its days, by (day, minute); minute -1 fires before
    the open."""
    schedule = {}
    for sh in spec.shocks:
        if getattr(sh, "enabled", True) and sh.day < spec.days:
            schedule.setdefault((sh.day, sh.minute), []).append(sh)
    return schedule
