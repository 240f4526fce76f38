"""The Mesa model that runs a world: one `step()` is one trading minute.

A day: overnight news moves values; a pre-open call collects limit orders; the opening auction
sets the open; 389 minutes of continuous trading in which each step runs 60 one-second ticks of
every investor in one compiled call; a closing call and auction; resting orders expire.
The model owns the one seeded generator: the compiled loop's xoshiro state is seeded from it.

The model is put together from one module per idea beside this one: scenarios/world.py (world
building), scenarios/news.py (shock effects and news), scenarios/day.py (the day's lifecycle),
scenarios/recording.py (bars, spreads, depth, the DataCollector).
"""

import numpy as np
from mesa import Model

from agents.investor import Investor

from .day import MINUTES, TradingDay
from .news import NewsEffects
from .recording import Recording
from .world import add_agents, build_world

__all__ = ["SelloffModel", "Investor", "MINUTES"]


class SelloffModel(NewsEffects, TradingDay, Recording, Model):
    """A world built from a scenario (scenarios.scenario.Scenario). See the module docstring.

    Attributes after steps: `bars` (minute OHLCV per stock, ticks and shares), `motive_volume`
    (shares bought and sold per motive, per minute and stock), `daily` (open, high, low, close,
    volume per day and stock), `spread` (time-averaged quoted spread per minute, ticks),
    `depth_sum / depth_n[:, None]` (mean shares at the best level and 9 ticks behind it, both
    sides pooled).
    """

    def __init__(self, scenario, seed: int | None = None, *, collect_agents: bool = False):
        seed = scenario.seed if seed is None else int(seed)
        # rng, not seed: Mesa 3.5 deprecates seed=, and on Mesa 3.3 an int rng seeds the same
        # numpy and stdlib generators as seed= does (same draws, same bytes).
        super().__init__(rng=seed)
        self.spec = scenario  # not `scenario`: Mesa 3.5's Model has a `scenario` property
        build_world(self, scenario)
        self.collect_agents = collect_agents
        add_agents(self, scenario)
        self._init_news(scenario)
        self.day = -1
        self.minute = 0
        self._init_recording(scenario, collect_agents)
        self.running = True

    def last_prices(self) -> np.ndarray:
        """Last trade price per stock in dollars (previous close before any trade)."""
        return self.exchange.last_prices() / 100.0
