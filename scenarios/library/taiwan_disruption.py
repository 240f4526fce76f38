"""`taiwan_disruption`: the foundry's output is interrupted for six weeks (news at 11:00 on day 1).

Market makers pull back for the first hour after the news; the foundry's customers and their
customers lose output through the supply network.
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import LiquidityWithdrawal, SupplyDisruption


@dataclass(frozen=True)
class TaiwanDisruption(Scenario):
    """An interruption of TSMC's output, with thinner liquidity."""

    name: str = "taiwan_disruption"
    description: str = "TSMC's output interrupted for six weeks; liquidity thins for an hour."
    days: int = param(5, 1, 250, doc="trading days simulated")
    shocks: tuple = param((
        SupplyDisruption(name="disruption", day=1, minute=90, weeks=6.0, reach=0.3,
                         spread_per_hour=3.0),
        LiquidityWithdrawal(name="liquidity", day=1, minute=90, duration_min=60),
    ), doc="timed shocks (scenarios/library/shocks.py), by name")
