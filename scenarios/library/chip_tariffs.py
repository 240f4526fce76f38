"""`chip_tariffs`: a 25% tariff on chips fabricated abroad, announced before Monday's open.

Fabless designers absorb part of it and sell fewer chips; the foundry, its tools and memory lose
volume through the supply network; buyers of compute pay the part passed on.
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import ChipTariff


@dataclass(frozen=True)
class ChipTariffs(Scenario):
    """A 25% tariff on chips made in Taiwan (see `description`)."""

    name: str = "chip_tariffs"
    description: str = "A 25% tariff on chips made in Taiwan: designers, the foundry, the buyers."
    days: int = param(5, 1, 250, doc="trading days simulated")
    shocks: tuple = param((ChipTariff(name="tariff", day=1, minute=-1, rate=0.25, reach=0.5,
                                      spread_per_hour=2.0),),
                          doc="timed shocks (scenarios/library/shocks.py), by name")
