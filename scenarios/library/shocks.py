"""Typed, timed shocks a scenario schedules; each says what it changes and in which units.

A shock fires at ``(day, minute)``: ``day`` counts the scenario's trading days from 0; ``minute``
is the minute of the session (0 = 09:30, 389 = 15:59) or -1 for "before the open" (overnight or
weekend news, which the pre-open call and the opening auction already see). ``enabled=false``
switches a shock off; it then changes nothing.

News-like shocks move fundamental values (log value, every investor's yardstick) at once, but an
investor only acts on the move once it has heard the news: ``reach`` of the investors hear it when
it fires (drawn among ``first``), the rest as it spreads over the information network (each
hearer tells each neighbour after an exponential delay with rate ``spread_per_hour``). With the
informational channel off everyone hears at once. Investors under-react at first (a classic
finding: news is digested over hours and days): a hearer takes in ``1 - digest`` of the move when
it hears the news and the rest after an exponential delay with mean ``digest_hours``. News also
raises the uncertainty of the values it moves (``dynamics.news_vol``) and the attention of those
who hear it (``dynamics.attention``); while it is salient they overweight it (agents/beliefs.py).
Value changes come from the supply network (``agents/networks.py``) and what prices assumed
(``agents/expectations.py``): a change in some firms' AI-linked revenue ``direct`` reaches their
suppliers through ``x = (I - g W)^-1 direct`` and moves value by ``dV/V = A x / S``, A the
AI-linked share of value; with the fundamental channel off only ``direct`` counts (no
propagation).

Units: fractions unless stated (``-0.2`` = minus 20%), money in $bn, durations in minutes.
The per-firm facts below (foundry dependence, China revenue) are public figures rounded to what
the estimate supports, with their basis; they are inputs, never fitted to how stocks moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from agents.networks import (
    ai_exposure,
    demand_value_change,
    revenue_value_change,
    supplier_shares,
)
from agents.params import ParamError, param, validate
from agents.schema import Kind

__all__ = [
    "Shock", "ShockError", "AIDemandNews", "CapexGuidance", "FirmStatement", "ChipTariff",
    "ExportControl",
    "SupplyDisruption", "LiquidityWithdrawal", "FundFlow", "Effect", "SHOCK_TYPES",
    "SECTORS", "FAB_ABROAD", "CHINA_REVENUE",
]

#: who may hear news first: anyone, or the single-stock kinds who read news
KINDS_FIRST = ("any", *(k.label for k in (Kind.FUNDAMENTAL, Kind.MOMENTUM, Kind.NOISE)))

#: Share of a firm's chips fabricated outside the US (mostly by TSMC in Taiwan), fraction.
FAB_ABROAD = {
    "NVDA": (1.0, "fabless: every GPU die is made by TSMC in Taiwan"),
    "AMD": (1.0, "fabless: CPUs and GPUs made by TSMC"),
    "AVGO": (1.0, "fabless: custom accelerators and networking chips made by TSMC"),
    "MRVL": (1.0, "fabless: made by TSMC"),
    "QCOM": (1.0, "fabless: made by TSMC and Samsung, both abroad"),
    "INTC": (0.3, "own fabs; outsources some tiles and products to TSMC (rough 30%)"),
    "MU": (0.6, "most DRAM made in Taiwan and Japan (rough 60%)"),
}

#: Share of revenue from China (incl. Hong Kong), fraction, latest fiscal year before Jan 2025.
CHINA_REVENUE = {
    "NVDA": (0.13, "FY2025 10-K: China incl. Hong Kong about 13% of revenue"),
    "AMD": (0.24, "2024 10-K: China incl. Hong Kong about $6.2bn of $25.8bn"),
    "ASML": (0.36, "2024 annual report: China about 36% of system sales (rough)"),
    "MU": (0.12, "FY2024: China-headquartered customers about 12% (rough)"),
    "INTC": (0.29, "2024 10-K: China about 29% of revenue (rough)"),
    "AVGO": (0.20, "FY2024: China incl. Hong Kong about 20% (rough)"),
    "MRVL": (0.40, "FY2024: China about 40% by ship-to location (rough)"),
}

SECTORS = {
    "semiconductors": ("chip_designer", "ip_licensor", "foundry", "equipment", "memory",
                       "server_oem"),
    "hyperscalers": ("hyperscaler", "cloud"),
    "power": ("power",),
    "all": None,
}


class Effect(NamedTuple):
    """What a shock does, over the full universe (arrays in universe order)."""

    dv: np.ndarray | None = None  # dV/V per firm (news: moves value, heard over time)
    revenue: np.ndarray | None = None  # revenue change per firm, fraction (firms' records)
    jevons_dv: np.ndarray | None = None  # dV/V a Jevons reader infers instead
    flow: np.ndarray | None = None  # fund-flow intensity per stock (baskets per fund arrival)
    liquidity: tuple[float, float] | None = None  # market makers' (size, spread) multipliers
    duration_min: int = 0  # how long flow / liquidity last
    text: str = ""


class ShockError(ValueError):
    """A shock built with a field outside its type or range: ``<Type>.<field>: <allowed> (got
    <value>)``. Not a ParamError, so that an override (scenarios.library.overrides) prefixes its
    own path."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Shock:
    """Base of every shock: checked on construction, and able to state its size.

    A new shock type is one frozen dataclass here, subclassing `Shock` (or `_News` for news):
    fields declared with `agents.params.param` (type, range, doc), `effect(model) -> Effect`,
    and `magnitude`. Every field is validated when the shock is built (ShockError, a ValueError
    naming the field and its allowed range).
    """

    def __post_init__(self):
        try:
            validate(self)
        except ParamError as e:
            raise ShockError(f"{type(self).__name__}.{e}", e.path) from None

    @property
    def magnitude(self) -> float:
        """How big the shock is, as a plain fraction (0 = no size of its own): what the
        attribution (scenarios/studies/attribute.py) compares to find a scenario's main shock."""
        return 0.0

    def effect(self, model) -> Effect:  # pragma: no cover - every subclass defines it
        """What the shock does when it fires on `model`, a world (scenarios.engine.world.World,
        or value_context's: its universe, networks and firms): an `Effect`. Each subclass's
        docstring says what its effect is."""
        raise NotImplementedError


@dataclass(frozen=True)
class _News(Shock):
    """Fields shared by every shock that is news (who hears it, how fast)."""

    name: str = "news"
    day: int = param(0, 0, 249, doc="trading day of the scenario, from 0")
    minute: int = param(-1, -1, 389, doc="minute of the session (0 = 09:30); -1 before the open")
    reach: float = param(0.3, 0.0, 1.0, doc="share of investors who hear it when it fires")
    first: str = param("any", choices=KINDS_FIRST, doc="kind of investor who hears it first")
    spread_per_hour: float = param(1.0, 0.0, 1000.0,
                                   doc="rate at which a hearer tells each neighbour, per hour")
    digest: float = param(0.0, 0.0, 1.0, doc="share of the move a hearer takes in only later")
    digest_hours: float = param(2.0, 0.0, 1000.0,
                                doc="mean delay (exponential) before the rest is taken in, h")
    persuades: str = param("", doc="name of an earlier AI-demand news whose Jevons reading "
                           "this news argues: a share beliefs.persuasion of its hearers adopt "
                           "that reading ('' none)")
    enabled: bool = param(True, doc="false: the shock changes nothing")


def _ctx_direct_value(model, direct):
    return revenue_value_change(direct, model.universe, model.graph, model.exposure_params,
                                propagate=model.propagate, expectations=model.expectations)


def _ctx_demand_value(model, d):
    return demand_value_change(d, model.universe, model.graph, model.exposure_params,
                               model.expectations, propagate=model.propagate)


@dataclass(frozen=True)
class AIDemandNews(_News):
    """News that changes expected AI compute demand (the DeepSeek report, a Jevons reading).

    ``size`` is the change in the compute demand expected at the end of the AI build-out
    (``expectations.buildout_years`` from now). Changes: every firm's value by
    ``agents.networks.demand_value_change`` (on expectations: the expected growth of AI-linked
    cash flows by ln(1 + size) / T a year, each part of value through its duration; with the
    expectations channel off, ``size x value_beta`` on current AI revenue); hyperscalers'
    expected capex by ``size``. A share ``jevons_share`` of the hearers reads it the Jevons way,
    as a demand change of ``jevons_size``: that reading is a row of its own which spreads from
    them over the information network (agents/beliefs.py).
    """

    name: str = "ai_demand"
    size: float = param(-0.2, -0.5, 0.5, doc="change in the AI compute demand expected at the "
                        "end of the build-out (expectations.buildout_years), fraction")
    jevons_share: float = param(0.0, 0.0, 1.0, doc="share of hearers reading it the Jevons way")
    jevons_size: float = param(0.05, -0.5, 0.5, doc="demand change a Jevons reader infers")

    @property
    def magnitude(self) -> float:
        """|size|: the change in expected AI compute demand."""
        return abs(self.size)

    def effect(self, model) -> Effect:
        for f in model.firms.values():
            if hasattr(f, "expect"):
                f.expect(self.size)
        ex = ai_exposure(model.universe, model.graph, model.exposure_params,
                         propagate=model.propagate)
        total = np.array([ex[t].total for t in model.universe.tickers])
        jev = _ctx_demand_value(model, self.jevons_size) if self.jevons_share > 0 else None
        return Effect(dv=_ctx_demand_value(model, self.size), revenue=total * self.size,
                      jevons_dv=jev, text=f"AI compute demand {self.size:+.1%}")


@dataclass(frozen=True)
class CapexGuidance(_News):
    """A hyperscaler announces its AI capex plan.

    Changes: the firm's plan and what investors expect of it; each supplier's revenue by its
    share of revenue from the firm times the surprise ``capex_bn / expected - 1``, carried up the
    supply network. ``expected_bn`` > 0 sets what investors expected just before (0: the firm's
    current expectation, which AI demand news has moved). The firm's own value does not change
    (it spends at a fair return).
    """

    name: str = "capex"
    firm: str = param("META", choices=("MSFT", "GOOGL", "AMZN", "META", "ORCL"),
                      doc="the hyperscaler")
    capex_bn: float = param(62.5, 0.0, 1000.0, doc="announced 2025 capex, $bn")
    expected_bn: float = param(0.0, 0.0, 1000.0, doc="capex expected before, $bn (0: current)")

    @property
    def magnitude(self) -> float:
        """0: its relative change depends on the world (expected_bn 0 means the firm's current
        capex), so it states none of its own."""
        return 0.0

    def effect(self, model) -> Effect:
        firm = model.firms[self.firm]
        if self.expected_bn > 0:
            firm.expected_capex_bn = self.expected_bn
        before = firm.expected_capex_bn
        direct = firm.guide(self.capex_bn, supplier_shares(model.universe, model.graph,
                                                           self.firm))
        dv = _ctx_direct_value(model, direct)
        firm.say(self.day, self.minute, f"2025 capex ${self.capex_bn:g}bn")
        return Effect(dv=dv, revenue=direct,
                      text=f"{self.firm} guides capex ${self.capex_bn:g}bn (expected "
                           f"${before:.1f}bn)")


@dataclass(frozen=True)
class FirmStatement(_News):
    """A chipmaker speaks about demand for its own AI products.

    Changes: the firm's AI-linked revenue by ``size`` times its direct AI exposure, carried to
    its suppliers by the supply network.
    """

    name: str = "statement"
    firm: str = param("NVDA", choices=("NVDA", "AMD", "AVGO", "MRVL", "ARM", "TSM", "ASML", "MU",
                                       "SMCI", "INTC", "QCOM"), doc="the chipmaker")
    size: float = param(0.05, -0.9, 2.0, doc="change in demand for its AI products, fraction")
    text: str = "demand remains strong"

    @property
    def magnitude(self) -> float:
        """|size|: the change in demand for its AI products."""
        return abs(self.size)

    def effect(self, model) -> Effect:
        u = model.universe
        i = u.index(self.firm)
        e = ai_exposure(u, model.graph, model.exposure_params)[self.firm].direct
        direct = model.firms[self.firm].statement(self.size, e, len(u), i)
        model.firms[self.firm].say(self.day, self.minute, self.text)
        return Effect(dv=_ctx_direct_value(model, direct), revenue=direct,
                      text=f"{self.firm}: {self.text}")


@dataclass(frozen=True)
class ChipTariff(_News):
    """A tariff on chips fabricated abroad (mostly by TSMC in Taiwan).

    The tariff is levied on the import value of a chip, its manufacturing cost, a share
    ``cost_share`` of its selling price. A firm with a share ``f`` of its chips made abroad
    (FAB_ABROAD) loses ``f rate cost_share (1 - pass_through + elasticity pass_through)`` of its
    revenue: the part of the tariff it absorbs plus the volume lost to the part passed on. That
    reaches its suppliers (the foundry, tools, memory) through the supply network. Buyers of
    compute (hyperscalers, cloud, Apple) lose ``rate cost_share pass_through chip_content years
    c`` of value, ``c`` = 2025 capex / market value.
    """

    name: str = "tariff"
    rate: float = param(0.25, 0.0, 5.0, doc="tariff rate on chips made abroad, fraction")
    cost_share: float = param(0.4, 0.0, 1.0, doc="import value of a chip / its selling price")
    pass_through: float = param(0.5, 0.0, 1.0, doc="share of the tariff passed on in prices")
    elasticity: float = param(1.0, 0.0, 10.0, doc="fall in chip volume per unit price rise")
    chip_content: float = param(0.5, 0.0, 1.0, doc="share of a buyer's capex spent on chips")
    years: float = param(2.0, 0.0, 30.0, doc="years the market expects the tariff to last")

    @property
    def magnitude(self) -> float:
        """the tariff rate."""
        return self.rate

    def effect(self, model) -> Effect:
        u = model.universe
        f = np.array([FAB_ABROAD.get(t, (0.0, ""))[0] for t in u.tickers])
        tax = self.rate * self.cost_share
        direct = -f * tax * (1.0 - self.pass_through + self.elasticity * self.pass_through)
        dv = _ctx_direct_value(model, direct)
        ex = ai_exposure(u, model.graph, model.exposure_params)
        c = np.array([ex[t].capex_intensity for t in u.tickers])
        dv = dv - u.is_buyer * tax * self.pass_through * self.chip_content * self.years * c
        return Effect(dv=dv, revenue=direct, text=f"tariff {self.rate:.0%} on chips made abroad")


@dataclass(frozen=True)
class ExportControl(_News):
    """Tighter limits on AI chip sales to China.

    Changes: each firm's AI-linked revenue by ``-lost_share x china x S`` (CHINA_REVENUE: its
    China share of revenue, taken to hold for its AI-linked part too), carried to suppliers.
    """

    name: str = "export_control"
    lost_share: float = param(0.5, 0.0, 1.0, doc="share of China AI revenue lost")

    @property
    def magnitude(self) -> float:
        """the share of China AI revenue lost."""
        return self.lost_share

    def effect(self, model) -> Effect:
        u = model.universe
        china = np.array([CHINA_REVENUE.get(t, (0.0, ""))[0] for t in u.tickers])
        ex = ai_exposure(u, model.graph, model.exposure_params)
        s = np.array([ex[t].ai_revenue_share for t in u.tickers])
        direct = -self.lost_share * china * s * ~u.is_buyer
        return Effect(dv=_ctx_direct_value(model, direct), revenue=direct,
                      text=f"export control: {self.lost_share:.0%} of China AI sales lost")


@dataclass(frozen=True)
class SupplyDisruption(_News):
    """A foundry's output is interrupted for some weeks.

    Changes: value by ``-(weeks / 52) loss_per_year`` times each firm's dependence: 1 for the
    foundry and its direct customers in the supply network, their own AI share ``S`` for the
    customers' customers (AI capacity delayed), and the edge weight for the foundry's suppliers
    (orders lost). With the fundamental channel off only the foundry moves.
    """

    name: str = "disruption"
    firm: str = param("TSM", choices=("TSM",), doc="the foundry")
    weeks: float = param(6.0, 0.0, 520.0, doc="weeks of lost output")
    loss_per_year: float = param(1.0, 0.0, 10.0,
                                 doc="value lost per year of lost output, fraction of value")

    @property
    def magnitude(self) -> float:
        """the weeks of lost output as a fraction of a year."""
        return self.weeks / 52

    def effect(self, model) -> Effect:
        u, g = model.universe, model.graph
        dep = np.zeros(len(u))
        dep[u.index(self.firm)] = 1.0
        if model.propagate:
            ex = ai_exposure(u, g, model.exposure_params)
            tier1 = list(g.successors(self.firm))
            for c in tier1:
                dep[u.index(c)] = 1.0
            for c in tier1:
                for c2 in g.successors(c):
                    j = u.index(c2)
                    share = ex[c2].ai_revenue_share or u.ai_share[j]
                    dep[j] = max(dep[j], share)
            for s, _, w in g.in_edges(self.firm, data="weight"):
                dep[u.index(s)] = max(dep[u.index(s)], w)
        dv = -(self.weeks / 52.0) * self.loss_per_year * dep
        return Effect(dv=dv, revenue=dv, text=f"{self.firm} output halted {self.weeks:g} weeks")


@dataclass(frozen=True)
class LiquidityWithdrawal(Shock):
    """Market makers pull back: quotes of ``size_factor`` times their size, ``spread_factor``
    times wider, for ``duration_min`` minutes. Nothing when the liquidity channel is off."""

    name: str = "liquidity"
    day: int = param(0, 0, 249, doc="trading day of the scenario, from 0")
    minute: int = param(0, -1, 389, doc="minute of the session it starts (-1: at the open)")
    duration_min: int = param(60, 1, 390 * 250, doc="minutes it lasts")
    size_factor: float = param(0.3, 0.0, 1.0, doc="quote size multiple")
    spread_factor: float = param(3.0, 1.0, 100.0, doc="half-spread multiple")
    enabled: bool = param(True, doc="false: the shock changes nothing")

    def effect(self, model) -> Effect:
        return Effect(liquidity=(self.size_factor, self.spread_factor),
                      duration_min=self.duration_min,
                      text=f"market makers quote {self.size_factor:.0%} size, "
                           f"{self.spread_factor:g}x spread")


@dataclass(frozen=True)
class FundFlow(Shock):
    """Money flows into (+) or out of (-) a sector ETF: passive funds buy or sell every stock of
    the sector, ``intensity`` baskets per fund arrival (baseline flows are random, about 0.25),
    for ``duration_min`` minutes."""

    name: str = "flow"
    day: int = param(0, 0, 249, doc="trading day of the scenario, from 0")
    minute: int = param(0, -1, 389, doc="minute of the session it starts (-1: at the open)")
    duration_min: int = param(390, 1, 390 * 250, doc="minutes it lasts")
    sector: str = param("semiconductors", choices=tuple(SECTORS), doc="stocks it trades")
    intensity: float = param(-1.0, -100.0, 100.0, doc="baskets per fund arrival (+ in, - out)")
    enabled: bool = param(True, doc="false: the shock changes nothing")

    def effect(self, model) -> Effect:
        roles = SECTORS[self.sector]
        mask = np.array([roles is None or r in roles for r in model.universe.roles], float)
        return Effect(flow=mask * self.intensity, duration_min=self.duration_min,
                      text=f"{self.sector} fund flow {self.intensity:+g}")


SHOCK_TYPES = (AIDemandNews, CapexGuidance, FirmStatement, ChipTariff, ExportControl,
               SupplyDisruption, LiquidityWithdrawal, FundFlow)
