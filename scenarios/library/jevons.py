"""`jevons`: cheaper AI raises compute demand over the following weeks (Jevons's paradox).

Day 1: news of much cheaper AI; many read it as less compute needed, a large share the Jevons
way. Then, every three days, usage figures show demand rising: +1% each time, four times.

Sizes are on the scale of the DeepSeek calibration (scenarios/library/deepseek.py): with value on
expectations a change in the demand expected at the end of the build-out moves AI-linked values
through their durations, about four times as much as it moved them on current revenue, so these
are a quarter of the sizes this scenario had before (-0.1, +0.1 and +0.04).
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import AIDemandNews

_USAGE = tuple(AIDemandNews(name=f"usage_{k + 1}", day=4 + 3 * k, minute=-1, size=0.01,
                            reach=0.3, spread_per_hour=1.0) for k in range(4))


@dataclass(frozen=True)
class Jevons(Scenario):
    """Cheaper AI that raises compute demand over the following weeks."""

    name: str = "jevons"
    description: str = "Cheaper AI that raises compute demand over the following weeks."
    days: int = param(15, 1, 250, doc="trading days simulated")
    shocks: tuple = param((
        AIDemandNews(name="cheap_ai", day=1, minute=-1, size=-0.025, reach=0.4,
                     spread_per_hour=1.0, jevons_share=0.5, jevons_size=0.025),
        *_USAGE,
    ), doc="timed shocks (scenarios/library/shocks.py), by name")
