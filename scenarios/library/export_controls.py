"""`export_controls`: tighter limits on AI chip sales to China, announced before Monday's open."""

from dataclasses import dataclass

from agents.params import param
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import ExportControl


@dataclass(frozen=True)
class ExportControls(Scenario):
    """Tighter US export limits on AI chips to China."""

    name: str = "export_controls"
    description: str = "Tighter US limits on AI chip sales to China: 80% of China AI sales lost."
    days: int = param(5, 1, 250, doc="trading days simulated")
    shocks: tuple = param((ExportControl(name="export_control", day=1, minute=-1, lost_share=0.8,
                                         reach=0.5, spread_per_hour=2.0),),
                          doc="timed shocks (scenarios/library/shocks.py), by name")
