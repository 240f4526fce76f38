"""Mesa views: `Investor`, on one investor whose state lives in the cohort arrays, and
`FirmAgent`, on one firm (agents.firms.Firm).

The model it belongs to provides `inv` (agents.loop.Investors), `tickers`, `exchange`
(market.Exchange, one account per investor, account i = investor i), `wealth0` (dollars per
investor at the start) and `last_prices()` (dollars per stock). Decisions are taken in the
compiled loop (agents/_kernels.py), not here.
"""

from mesa import Agent

from .schema import KIND_NAMES

__all__ = ["Investor", "FirmAgent"]


class Investor(Agent):
    """A view on one investor: its state lives in the cohort arrays, decisions in the kernel."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def kind(self) -> str:
        """The investor's kind, e.g. "fundamental"."""
        return KIND_NAMES[self.model.inv.kind[self.index]]

    @property
    def stock(self) -> str | None:
        """The ticker it trades, None for a basket trader."""
        h = self.model.inv.home[self.index]
        return self.model.tickers[h] if h >= 0 else None

    @property
    def cash(self) -> float:
        """Cash in dollars (negative for a fund on margin)."""
        return self.model.exchange.cash[self.index] / 100.0

    @property
    def position(self) -> int:
        """Shares of its home stock (basket traders: of all stocks together)."""
        sh = self.model.exchange.shares[self.index]
        h = self.model.inv.home[self.index]
        return int(sh[h] if h >= 0 else sh.sum())

    @property
    def wealth(self) -> float:
        """Cash plus holdings at last prices, dollars."""
        return self.cash + float(self.model.exchange.shares[self.index] @ self.model.last_prices())

    @property
    def pnl(self) -> float:
        """Change in wealth since the start, dollars."""
        return self.wealth - self.model.wealth0[self.index]


class FirmAgent(Agent):
    """A view on one firm (agents.firms.Firm): what it is, what it has said."""

    def __init__(self, model, firm):
        super().__init__(model)
        self.firm = firm

    @property
    def kind(self) -> str:
        """"hyperscaler", "chipmaker" or "firm"."""
        return self.firm.kind

    @property
    def ticker(self) -> str:
        """Its ticker."""
        return self.firm.ticker

    @property
    def role(self) -> str:
        """Its role in universe.csv, e.g. "foundry"."""
        return self.firm.role

    @property
    def statements(self) -> list[tuple[int, int, str]]:
        """What the firm has said, (day, minute, text), newest last."""
        return self.firm.statements

    @property
    def ai_revenue_bn(self) -> float:
        """Expected AI-linked revenue after the news so far, $bn."""
        return self.firm.ai_revenue_bn
