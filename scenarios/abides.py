"""`abides_rmsc04`: ABIDES's RMSC04 population on one stock for one day, for users from ABIDES.

1,000 noise, 102 value and 12 momentum agents and 2 market makers on one stock, one 09:30-16:00
day. Rates follow RMSC04's wake-up frequencies: a noise agent trades about once a day, value
agents every few minutes, momentum agents about every minute, market makers requote every few
seconds.
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
from scenarios.scenario import ALL_TICKERS, Scenario

RMSC04 = Population(
    fundamental=Fundamental(count=102, rate_per_min=0.3),
    momentum=Momentum(count=12, rate_per_min=1.0),
    noise=Noise(count=1000, rate_per_min=1.0 / 390.0, market_prob=0.5),
    market_maker=MarketMaker(per_stock=2, rate_per_min=12.0),
    leveraged=Leveraged(count=0),
    passive=Passive(count=0),
)


@dataclass(frozen=True)
class AbidesRMSC04(Scenario):
    name: str = "abides_rmsc04"
    description: str = "ABIDES RMSC04: one stock, 1,116 agents, one day"
    days: int = param(1, 1, 250, doc="trading days simulated")
    tickers: tuple[str, ...] = param(("NVDA",), choices=ALL_TICKERS, doc="stocks simulated")
    population: Population = param(RMSC04)
