"""Firms: hyperscalers that plan AI capex, chipmakers that sell into it.

Plain objects (no Mesa here): `scenarios.engine.model.SelloffModel` shows each as a Mesa agent
through `agents.investor.FirmAgent`, a view, so a run without Mesa (`scenarios.engine.simulation`)
has the same firms. Firms do not trade. They hold the facts a shock acts through and they act
between steps, when a scenario's shock asks them to (`scenarios/library/shocks.py`):

- a :class:`Hyperscaler` (MSFT, GOOGL, AMZN, META, ORCL) holds a 2025 AI capex plan and the capex
  the market expects of it; guidance moves the expectation to the plan and returns the direct
  revenue change of every supplier (its supply-edge weight times the surprise);
- a :class:`Chipmaker` (NVDA, AMD, AVGO, MRVL, ARM, TSM, ASML, MU, SMCI, INTC, QCOM) earns its
  AI-linked revenue through the supply network; it tracks how far expected AI demand for its
  products has moved and can issue a statement about demand for its own products;
- every other ticker (AAPL, VST, CEG) is a plain :class:`Firm` with its role from universe.csv.

All fractions are of the firm's latest fiscal-year revenue unless stated; money in $bn.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Firm", "Hyperscaler", "Chipmaker", "HYPERSCALERS", "CHIPMAKERS", "make_firm"]

HYPERSCALERS = ("MSFT", "GOOGL", "AMZN", "META", "ORCL")
CHIPMAKERS = ("NVDA", "AMD", "AVGO", "MRVL", "ARM", "TSM", "ASML", "MU", "SMCI", "INTC", "QCOM")


class Firm:
    """A listed firm: its facts and how far news has moved its expected AI-linked revenue."""

    kind = "firm"

    def __init__(self, ticker: str, role: str, revenue_bn: float, ai_share: float):
        self.ticker = ticker
        self.role = role
        self.revenue_bn = float(revenue_bn)
        self.ai_share = float(ai_share)  # S_i: AI-linked share of revenue (agents/networks.py)
        #: cumulative change in revenue from AI demand news, fraction of revenue
        self.revenue_change = 0.0
        #: what the firm has said (day, minute, text), newest last
        self.statements: list[tuple[int, int, str]] = []

    @property
    def ai_revenue_bn(self) -> float:
        """Expected AI-linked revenue after the news so far, $bn."""
        return self.revenue_bn * (self.ai_share + self.revenue_change)

    def absorb(self, revenue_change: float) -> None:
        """Record a change in expected revenue (fraction of revenue) from the supply network."""
        self.revenue_change += float(revenue_change)

    def say(self, day: int, minute: int, text: str) -> None:
        """Record a statement the firm makes at (day, minute)."""
        self.statements.append((day, minute, text))


class Hyperscaler(Firm):
    """A buyer of AI compute with a capex plan and the capex the market expects of it."""

    kind = "hyperscaler"

    def __init__(self, ticker, role, revenue_bn, ai_share, capex_bn: float):
        super().__init__(ticker, role, revenue_bn, ai_share)
        self.capex_bn = float(capex_bn)  # the plan, $bn for 2025
        self.expected_capex_bn = float(capex_bn)  # what investors expect it to spend, $bn

    def expect(self, demand_change: float) -> None:
        """Investors revise what they expect this firm to spend with AI compute demand."""
        self.expected_capex_bn *= 1.0 + float(demand_change)

    def guide(self, capex_bn: float, supplier_shares: np.ndarray) -> np.ndarray:
        """Announce `capex_bn` for 2025; return each supplier's direct revenue change.

        The surprise is ``g = capex_bn / expected - 1``; a supplier that earns a share ``w`` of
        its revenue from this firm sees ``w g`` (the supply network carries it further up).
        """
        g = capex_bn / self.expected_capex_bn - 1.0 if self.expected_capex_bn > 0 else 0.0
        self.capex_bn = self.expected_capex_bn = float(capex_bn)
        return np.asarray(supplier_shares, float) * g


class Chipmaker(Firm):
    """A seller into AI compute demand; it may speak about demand for its own products."""

    kind = "chipmaker"

    def statement(self, size: float, direct_share: float, n: int, index: int) -> np.ndarray:
        """Say that demand for this firm's AI products changes by `size` (a fraction).

        Returns the direct revenue change per firm (length n): ``size`` times this firm's direct
        AI exposure ``e_i`` at its own index, zero elsewhere; the network carries it upstream.
        """
        out = np.zeros(n)
        out[index] = float(size) * float(direct_share)
        return out


def make_firm(ticker: str, role: str, revenue_bn: float, ai_share: float,
              capex_bn: float) -> Firm:
    """The right kind of firm for a ticker."""
    if ticker in HYPERSCALERS:
        return Hyperscaler(ticker, role, revenue_bn, ai_share,
                           0.0 if not np.isfinite(capex_bn) else capex_bn)
    if ticker in CHIPMAKERS:
        return Chipmaker(ticker, role, revenue_bn, ai_share)
    return Firm(ticker, role, revenue_bn, ai_share)
