"""Scenarios: frozen dataclasses holding everything a run needs; every default runs.

Override any field by its dotted path (`scenarios.library.overrides.override`, the CLI's
`--set`), e.g. `population.momentum.count=2000` or `channels.fire_sale=false`.
"""

import re
from dataclasses import dataclass

from agents.beliefs import Beliefs
from agents.expectations import ExpectationParams
from agents.networks import ExposureParams
from agents.params import ParamError, param
from agents.population import (
    Population,
)
from scenarios.library.shocks import Shock

__all__ = ["ALL_TICKERS", "Channels", "Dynamics", "Rules", "Scenario"]

ALL_TICKERS = ("NVDA", "AMD", "AVGO", "MRVL", "ARM", "TSM", "ASML", "MU", "SMCI", "INTC", "QCOM",
               "MSFT", "GOOGL", "AMZN", "META", "ORCL", "AAPL", "VST", "CEG")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _is_shock(obj) -> bool:
    """A shock of one of the concrete types (a bare `Shock`, as a JSON object would build, has
    no effect to apply)."""
    return isinstance(obj, Shock) and type(obj).effect is not Shock.effect


@dataclass(frozen=True)
class Channels:
    """Contagion channels; switch one off for a counterfactual run."""

    fundamental: bool = param(True, doc="value shocks spread through the supply network")
    informational: bool = param(True, doc="news spreads over the investor network (else at once)")
    fire_sale: bool = param(True, doc="leveraged funds sell everything past their limit")
    liquidity: bool = param(True, doc="market makers withdraw under volatility and inventory")
    arbitrage_limits: bool = param(True, doc="value traders' capital and risk limits are finite "
                                   "(else unlimited)")
    crowding: bool = param(True, doc="funds hold themes and 2024 winners (else the whole "
                           "market)")
    fund_flows: bool = param(True, doc="ETF and index investors chase returns: outflows after "
                             "falls")
    expectations: bool = param(True, doc="value moves on what prices assumed: AI-linked growth "
                               "through its duration (else current AI revenue alone)")
    theme: bool = param(True, doc="theme traders read news as the AI theme's and funds' AI "
                        "books hold the theme by AI-linked value (else by their stock's own "
                        "news and by role)")
    overreaction: bool = param(True, doc="salient news is overweighted and the excess fades "
                               "over days (else news is taken at its size)")
    narratives: bool = param(True, doc="readings of the news (Jevons) spread from investor to "
                             "investor and later news persuades more (else only the first "
                             "readers hold them)")
    disagreement: bool = param(True, doc="investors weigh the same news differently "
                               "(heterogeneous priors; else all alike)")


@dataclass(frozen=True)
class Dynamics:
    """How fundamental values move and how activity answers volatility."""

    vol_scale: float = param(1.0, 0.0, 10.0, doc="scale of 2024 volatility for value news")
    overnight_share: float = param(0.2, 0.0, 1.0, doc="share of daily value variance overnight")
    vol_persistence_min: float = param(45.0, 1.0, 10_000.0, doc="half-life of news volatility, min")
    vol_of_vol: float = param(0.6, 0.0, 3.0, doc="sd of log news volatility")
    common_factor: float = param(0.6, 0.0, 0.99, doc="loading of every stock on the sector factor")
    news_vol: float = param(0.3, 0.0, 100.0, doc="rise of value volatility after news, per "
                            "unit of the move in daily sds (log-vol += log(1 + x |move| / sd))")
    # calibrated on Nvidia's 27 January volume (>= 2.5x): 1.5 met it only while value traders'
    # risk budgets churned a bouncing book; on daily risk budgets 1.5 gave 2.26x, 2.5 2.42x,
    # 3.5 2.51x (medians of 20 seeds)
    attention: float = param(3.5, 0.0, 100.0, doc="extra trading rate of an investor who has "
                             "heard news, per daily sd its stock's value moved (capped at 20)")
    attention_hours: float = param(6.0, 0.01, 1000.0, doc="decay time of that attention, hours")
    activity_gain: float = param(1.5, 0.0, 20.0, doc="extra arrivals per unit of excess vol ratio")
    activity_max: float = param(4.0, 1.0, 20.0, doc="cap on the activity multiple")
    fast_min: float = param(2.0, 0.1, 600.0, doc="time constant of the fast trend average, min")
    slow_min: float = param(20.0, 0.1, 6000.0, doc="time constant of the slow trend average, min")
    var_min: float = param(5.0, 0.1, 600.0, doc="time constant of the variance average, min")
    risk_decay: float = param(0.94, 0.0, 0.9999, doc="decay of the daily variance behind value "
                              "traders' risk budgets, per day (RiskMetrics 1996: 0.94)")


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
    """A world: universe, investors, rules, days and timed shocks (scenarios/library/shocks.py).

    Every field has a default that runs; scenarios in scenarios/library/catalog.py subclass this
    with their own defaults.
    """

    name: str = param("baseline", doc="the scenario's name (letters, digits, _ and -; it names "
                      "the output folder)")
    description: str = "No shock: the 19-stock universe at its 24 January 2025 prices."
    seed: int = param(0, 0, 2**63 - 1, doc="seed of the model's generator")
    days: int = param(5, 1, 250, doc="trading days simulated")
    start_date: str = param("2025-01-24", doc="first simulated day: an NYSE trading day, "
                            "2025-01-02 to 2026-12-31")
    tickers: tuple[str, ...] = param(ALL_TICKERS, choices=ALL_TICKERS, doc="stocks simulated")
    population: Population = param(Population())
    rules: Rules = param(Rules())
    channels: Channels = param(Channels())
    dynamics: Dynamics = param(Dynamics())
    exposure: ExposureParams = param(ExposureParams())
    expectations: ExpectationParams = param(ExpectationParams())
    beliefs: Beliefs = param(Beliefs())
    shocks: tuple[Shock, ...] = param(
        (), doc="timed shocks (scenarios/library/shocks.py), addressed by name")

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ParamError(f"name: must be 1-64 letters, digits, _ or - starting with a letter "
                             f"or digit (got {self.name!r})", "name")
        from scenarios.engine.calendar import check_start

        try:
            check_start(self.start_date, self.days if isinstance(self.days, int) else 1)
        except ValueError as e:
            raise ParamError(str(e), "start_date") from None
        if not isinstance(self.shocks, tuple):
            raise ParamError(f"shocks: must be a list of shocks (got {type(self.shocks).__name__})",
                             "shocks")
        for i, sh in enumerate(self.shocks):
            if not _is_shock(sh):
                raise ParamError(
                    f"shocks: element {i} must be a shock (one of scenarios/library/shocks.py's "
                    f"types: AIDemandNews, CapexGuidance, ...; got {type(sh).__name__} "
                    f"{sh!r:.40}); "
                    "change a shock's fields by name, e.g. shocks.deepseek.size=-0.3", "shocks")
        self._check_persuades()
        if not self.tickers:
            raise ParamError("tickers: must name at least one stock", "tickers")
        dup = sorted({t for t in self.tickers if self.tickers.count(t) > 1})
        if dup:
            raise ParamError(f"tickers: each stock at most once (got {dup[0]} twice)", "tickers")

    def _check_persuades(self) -> None:
        """A news that argues a reading must name an AI-demand news that fires before it (with
        no Jevons readers there is no reading, and it persuades nobody)."""
        from scenarios.library.shocks import AIDemandNews

        for sh in self.shocks:
            name = getattr(sh, "persuades", "")
            if not name:
                continue
            earlier = [o.name for o in self.shocks if isinstance(o, AIDemandNews)
                       and (o.day, o.minute) < (sh.day, sh.minute)]
            if name not in earlier:
                allowed = ", ".join(earlier) or "none in this scenario"
                raise ParamError(f"shocks.{sh.name}.persuades: must name an AI-demand news "
                                 f"that fires earlier ({allowed}; got {name!r})",
                                 f"shocks.{sh.name}.persuades")

    def warnings(self) -> list[str]:
        """One line per setting that runs but makes a world nobody meant (printed by the CLI).

        Funds are sized in dollars, not in proportion to the population: with far fewer
        individual investors per stock than the calibrated world (10,350 over 19 stocks) and the
        funds left as they are, the funds' flows dominate prices (500 investors: -60% a day).
        """
        pop, ref = self.population, Population()
        people = (pop.fundamental.count + pop.theme.count + pop.momentum.count
                  + pop.noise.count)
        ref_people = (ref.fundamental.count + ref.theme.count + ref.momentum.count
                      + ref.noise.count) * len(
            self.tickers) / len(ALL_TICKERS)
        funds = pop.leveraged.count + pop.passive.count
        ref_funds = ref.leveraged.count + ref.passive.count
        people_scale, fund_scale = people / ref_people, funds / ref_funds
        if funds and fund_scale > 4 * people_scale:
            lev = max(0, round(ref.leveraged.count * people_scale))
            pas = max(0, round(ref.passive.count * people_scale))
            return [f"population: {people:,} individual investors beside {funds} funds sized for "
                    f"{round(ref_people):,}: the funds' flows will dominate prices; scale them "
                    f"with the rest (population.leveraged.count={lev} "
                    f"population.passive.count={pas})"]
        return []

