"""The Mesa model that runs a world: one `step()` is one trading minute.

A day: overnight news moves values; a pre-open call collects limit orders; the opening auction
sets the open; 389 minutes of continuous trading in which each step runs 60 one-second ticks of
every investor in one compiled call; a closing call and auction; resting orders expire.
The model owns the one seeded generator: the compiled loop's xoshiro state is seeded from it.

The world itself is `scenarios.engine.simulation.Simulation` (composed of parts, one module per
idea in scenarios/engine/: world.py the World, built once; news.py the news desk, shock effects
and news; recording.py the recorder, bars, spreads and depth; day.py the day's script that calls
them). `SelloffModel` adds Mesa: an
Investor agent per investor and a FirmAgent per firm (views on the arrays and the firms), and a
DataCollector with per-cohort reporters. The same scenario and seed give the same run either way.
"""

from mesa import DataCollector, Model

from agents.investor import FirmAgent, Investor
from agents.schema import KIND_NAMES

from .simulation import MINUTES, Simulation, seed_generators
from .world import add_agents

__all__ = ["SelloffModel", "Investor", "FirmAgent", "MINUTES"]


class SelloffModel(Simulation, Model):
    """A world built from a scenario (scenarios.library.scenario.Scenario), as a Mesa model. See the
    module docstring; its arrays are `Simulation`'s."""

    def __init__(self, scenario, seed: int | None = None, *, collect_agents: bool = False):
        seed = seed_generators(self, scenario, seed, mesa_init=Model.__init__)
        self.collect_agents = collect_agents
        self._build(scenario, seed)
        # reporters read what step() computed once for the minute (a lambda per ticker and cohort)
        reporters = {t: (lambda m, j=j: m._last[j]) for j, t in enumerate(self.tickers)}
        for k, kind in enumerate(KIND_NAMES):  # per cohort: shares held, cash, P&L (dollars)
            for c, col in enumerate(("shares", "cash", "pnl")):
                reporters[f"{kind}_{col}"] = lambda m, k=k, c=c: m._cohorts[k][c]
        self.datacollector = DataCollector(
            model_reporters=reporters,
            agenttype_reporters=({Investor: {"wealth": "wealth", "position": "position"}}
                                 if collect_agents else {}),
        )

    def _add_views(self) -> None:
        add_agents(self)

    def after_minute(self) -> None:
        """The minute's reporters into the DataCollector."""
        # Python floats: the DataCollector deep-copies every value it stores
        self._last = self.last_prices().tolist()
        self._cohorts = self.cohorts().tolist()
        self.datacollector.collect(self)
