"""World building: the universe's stocks, the exchange, the investors and the loop's market view.

`build_world(m, spec)` sets on model `m` what a scenario `spec`
(scenarios.library.scenario.Scenario) describes, drawing from `m.rng` in a fixed order (investors,
the loop's two xoshiro states, the value and news streams); `add_firms` the firms; `add_agents` the
Mesa views on investors and firms (a Mesa model only); `shock_schedule` orders the scenario's shocks
by (day, minute).
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

__all__ = ["build_world", "add_firms", "add_agents", "shock_schedule", "ai_value_share",
           "value_context",
           "SECTOR_ROLES"]

#: what a semiconductor ETF holds (SMH / SOXX-like): chips and the chain that makes them
SECTOR_ROLES = ("chip_designer", "ip_licensor", "foundry", "equipment", "memory")


def build_world(m, spec) -> None:
    """Stocks, exchange (one account per investor), investors and market view of `spec` on `m`."""
    scenario = spec
    uni = load_universe()
    idx = [uni.tickers.index(t) for t in scenario.tickers]
    m.universe = uni
    m.graph = supply_graph(uni, load_edges(uni))
    m.exposure_params = scenario.exposure
    m.decomposition = load_decomposition(uni, scenario.expectations)
    # what shocks value through: the decomposition, or None for current AI revenue alone
    m.expectations = ((m.decomposition, scenario.expectations)
                      if scenario.channels.expectations else None)
    m.propagate = scenario.channels.fundamental
    m.uidx = np.asarray(idx, np.int64)
    m.tickers = tuple(scenario.tickers)
    m.prices0 = np.asarray(uni.close_2025_01_24)[idx]
    mv = np.asarray(uni.shares_out_m)[idx] * m.prices0
    m.shares_out = np.asarray(uni.shares_out_m)[idx]
    m.roles = tuple(uni.roles[i] for i in idx)
    r = scenario.rules
    m.exchange = Exchange(
        np.round(m.prices0 * 100).astype(np.int64), 1,
        MarketRules(auctions=r.auctions, luld=r.luld, luld_band_pct=r.luld_band_pct,
                    circuit_breaker=r.circuit_breaker,
                    self_trade_prevention=r.self_trade_prevention),
        pool_capacity=1 << 16, tape_capacity=1 << 18,
    )
    ai = np.array([r in SELLER_ROLES for r in m.roles])
    pop = scenario.population
    if not scenario.channels.crowding:  # no themes, no winners: every fund holds the market
        pop = dataclasses.replace(pop, leveraged=dataclasses.replace(pop.leveraged,
                                                                     basket="all"))
    m.theme_a = ai_value_share(uni, m.graph, scenario, m.decomposition)[idx]
    tw = np.asarray(uni.market_value_bn)[idx] * m.theme_a
    m.theme_w = tw / tw.sum() if tw.sum() > 0 else tw  # the AI theme's basket
    ch = scenario.channels
    world = build_investors(pop, m.prices0, mv, m.rng, ai_mask=ai,
                            returns=np.asarray(uni.return_2024_pct)[idx],
                            sector_mask=np.array([r in SECTOR_ROLES for r in m.roles]),
                            theme_weights=m.theme_w,
                            ai_weights=m.theme_w if ch.theme else None,
                            conviction_sd=(scenario.beliefs.conviction_sd if ch.disagreement
                                           else 0.0))
    m.inv = world.inv
    m.kinds_count = world.kinds_count
    ex = m.exchange
    ex.open_accounts(world.cash_cents, world.shares)  # one account per investor
    m.wealth0 = world.cash_cents / 100.0 + world.shares @ m.prices0

    d = scenario.dynamics
    vol = np.asarray(uni.vol_2024_pct)[idx] / 100.0 * d.vol_scale
    per_s = vol / np.sqrt(252 * SESSION_SECONDS)
    intraday = per_s * np.sqrt(1.0 - d.overnight_share)
    m.mk = new_market_view(
        m.prices0, intraday, vol_of_vol=d.vol_of_vol, common_factor=d.common_factor,
        activity_gain=d.activity_gain, activity_max=d.activity_max,
        vol_persistence_min=d.vol_persistence_min, fast_min=d.fast_min, slow_min=d.slow_min,
        var_min=d.var_min, flow_noise=scenario.population.passive.flow_noise,
        informational=ch.informational, fire_sale=ch.fire_sale, liquidity=ch.liquidity,
        rng=m.rng, arbitrage_limits=ch.arbitrage_limits,
        overreaction=scenario.beliefs.overreaction if ch.overreaction else 0.0,
        theme=ch.theme, daily_sd=vol / np.sqrt(252), risk_decay=d.risk_decay)
    m.overnight_sd = vol / np.sqrt(252) * np.sqrt(d.overnight_share)
    # streams of their own (drawn from the model's generator): overnight value news, and who
    # hears news when; so that counterfactual runs share value paths (common random numbers)
    m.value_rng = np.random.default_rng(m.rng.integers(0, 2**63 - 1))
    m.news_rng = np.random.default_rng(m.rng.integers(0, 2**63 - 1))
    m.day_sd = vol / np.sqrt(252)  # sd of a day's value change (log)

    if not scenario.channels.informational:  # no trend following on top of the news
        mute_trend_followers(m.inv)


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
    add_firms(ctx, spec)
    return ctx


def add_firms(m, spec) -> None:
    """`m.firms`: a firm per traded stock, and per firm a shock speaks for (a hyperscaler's
    capex guidance moves its suppliers through the supply network whether or not its own stock
    is in this world)."""
    uni = m.universe
    named = [sh.firm for sh in spec.shocks
             if getattr(sh, "firm", None) and sh.firm not in m.tickers]
    m.firms = {}
    for t in [*m.tickers, *dict.fromkeys(named)]:
        i = uni.index(t)
        m.firms[t] = make_firm(t, uni.roles[i], uni.revenue_bn[i], uni.ai_share[i],
                               uni.capex_2025_bn[i])


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
