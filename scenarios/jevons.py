"""`jevons`: cheaper AI raises compute demand over the following weeks (Jevons's paradox).

Day 1: news of much cheaper AI; many read it as less compute needed, a large share the Jevons
way. Then, every three days, usage figures show demand rising: +4% each time, four times.
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.scenario import Scenario
from scenarios.shocks import AIDemandNews

_USAGE = tuple(AIDemandNews(name=f"usage_{k + 1}", day=4 + 3 * k, minute=-1, size=0.04,
                            reach=0.3, spread_per_hour=1.0) for k in range(4))


@dataclass(frozen=True)
class Jevons(Scenario):
    """Cheaper AI that raises compute demand over the following weeks."""

    name: str = "jevons"
    description: str = "Cheaper AI that raises compute demand over the following weeks."
    days: int = param(15, 1, 250, doc="trading days simulated")
    shocks: tuple = param((
        AIDemandNews(name="cheap_ai", day=1, minute=-1, size=-0.1, reach=0.4,
                     spread_per_hour=1.0, jevons_share=0.5, jevons_size=0.1),
        *_USAGE,
    ), doc="timed shocks (scenarios/shocks.py), by name")
