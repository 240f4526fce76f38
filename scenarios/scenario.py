"""Scenarios: frozen dataclasses holding everything a run needs; every default runs.

Override any field by its dotted path (`agents.params.override`, the CLI's `--set`), e.g.
`population.momentum.count=2000` or `channels.fire_sale=false`.
"""

from dataclasses import dataclass

from agents.params import param
from agents.population import (
    Fundamental,
    Leveraged,
    MarketMaker,
    Momentum,
    Noise,
    Passive,
    Population,
)

__all__ = ["Channels", "Dynamics", "Rules", "Scenario", "SCENARIOS", "get_scenario"]

ALL_TICKERS = ("NVDA", "AMD", "AVGO", "MRVL", "ARM", "TSM", "ASML", "MU", "SMCI", "INTC", "QCOM",
               "MSFT", "GOOGL", "AMZN", "META", "ORCL", "AAPL", "VST", "CEG")


@dataclass(frozen=True)
class Channels:
    """Contagion channels; switch one off for a counterfactual run."""

    fundamental: bool = param(True, doc="value shocks spread through the supply network")
    informational: bool = param(True, doc="news spreads over the investor network (else at once)")
    fire_sale: bool = param(True, doc="leveraged funds sell everything past their limit")
    liquidity: bool = param(True, doc="market makers withdraw under volatility and inventory")


@dataclass(frozen=True)
class Dynamics:
    """How fundamental values move and how activity answers volatility."""

    vol_scale: float = param(1.0, 0.0, 10.0, doc="scale of 2024 volatility for value news")
    overnight_share: float = param(0.2, 0.0, 1.0, doc="share of daily value variance overnight")
    vol_persistence_min: float = param(45.0, 1.0, 10_000.0, doc="half-life of news volatility, min")
    vol_of_vol: float = param(0.6, 0.0, 3.0, doc="sd of log news volatility")
    common_factor: float = param(0.6, 0.0, 0.99, doc="loading of every stock on the sector factor")
    activity_gain: float = param(1.5, 0.0, 20.0, doc="extra arrivals per unit of excess vol ratio")
    activity_max: float = param(4.0, 1.0, 20.0, doc="cap on the activity multiple")
    fast_min: float = param(2.0, 0.1, 600.0, doc="time constant of the fast trend average, min")
    slow_min: float = param(20.0, 0.1, 6000.0, doc="time constant of the slow trend average, min")
    var_min: float = param(5.0, 0.1, 600.0, doc="time constant of the variance average, min")


@dataclass(frozen=True)
class Rules:
    """Market rules (market.MarketRules) as scenario fields."""

    auctions: bool = param(True, doc="opening and closing call auctions")
    luld: bool = param(True, doc="limit-up/limit-down bands and pauses")
    luld_band_pct: float = param(5.0, 0.1, 50.0, doc="LULD band half-width, percent")
    circuit_breaker: bool = param(True, doc="market-wide halts at -7/-13/-20% of the index")
    self_trade_prevention: bool = param(True, doc="cancel a resting order of the same trader")
    preopen_rounds: int = param(300, 0, 100_000, doc="rounds of arrivals in the pre-open call")
    closing_call_s: int = param(60, 0, 3600, doc="seconds of closing call before 16:00")


@dataclass(frozen=True)
class Scenario:
    """A world: universe, investors, rules, days and (in later scenarios) timed shocks."""

    name: str = "baseline"
    description: str = "No shock: the 19-stock universe at its 24 January 2025 prices."
    seed: int = param(0, 0, 2**63 - 1, doc="seed of the model's generator")
    days: int = param(5, 1, 250, doc="trading days simulated")
    start_date: str = "2025-01-24"
    tickers: tuple[str, ...] = param(ALL_TICKERS, choices=ALL_TICKERS, doc="stocks simulated")
    population: Population = param(Population())
    rules: Rules = param(Rules())
    channels: Channels = param(Channels())
    dynamics: Dynamics = param(Dynamics())


def _baseline() -> Scenario:
    return Scenario()


def _abides_rmsc04() -> Scenario:
    """ABIDES's RMSC04 population on one stock for one day, for users coming from ABIDES.

    1,000 noise, 102 value and 12 momentum agents and 2 market makers on one stock, one
    09:30-16:00 day. Rates follow RMSC04's wake-up frequencies: a noise agent trades about once a
    day, value agents every few minutes, momentum agents about every minute, market makers
    requote every few seconds.
    """
    pop = Population(
        fundamental=Fundamental(count=102, rate_per_min=0.3),
        momentum=Momentum(count=12, rate_per_min=1.0),
        noise=Noise(count=1000, rate_per_min=1.0 / 390.0, market_prob=0.5),
        market_maker=MarketMaker(per_stock=2, rate_per_min=12.0),
        leveraged=Leveraged(count=0),
        passive=Passive(count=0),
    )
    return Scenario(name="abides_rmsc04", description="ABIDES RMSC04: one stock, 1,116 agents, "
                    "one day", days=1, tickers=("NVDA",), population=pop)


SCENARIOS = {"baseline": _baseline, "abides_rmsc04": _abides_rmsc04}


def get_scenario(name: str) -> Scenario:
    """The scenario registered under `name`; ValueError listing the names otherwise."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"scenario: unknown {name!r}; allowed: {', '.join(SCENARIOS)}") from None
