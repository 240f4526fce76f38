"""A world stepped without Mesa: what `selloff run`, batches, attribution and calibration run.

`Simulation(scenario, seed)` builds and steps exactly what `scenarios.engine.model.SelloffModel`
does, draw for draw (the same generators, seeded the same way as Mesa's `Model(rng=seed)` seeds its
own), and records the same bars; it has no Mesa agents and no DataCollector, so a run neither
imports Mesa (about 0.7 s of a command's start) nor builds ten thousand agent objects it never
reads. `SelloffModel` is this plus Mesa: the model a notebook, `mesa.batch_run` and the classroom
step, whose `agents` and `datacollector` show the same run.
"""

import random

import numpy as np

from .day import MINUTES, TradingDay
from .news import NewsEffects
from .recording import Recording
from .world import World, build_world

__all__ = ["Simulation", "MINUTES", "seed_generators"]


class _FromWorld:
    """A read-only attribute of a Simulation that is its world's field of the same name
    (`m.tickers` is `m.world.tickers`), so that code reading a model's world reads it as before."""

    def __set_name__(self, owner, name):
        self.name = name
        self.__doc__ = f"The world's `{name}` (World.{name}), read-only."

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj.world, self.name)

    def __set__(self, obj, value):
        raise AttributeError(f"{self.name} is the world's (World.{self.name}): read-only here")


def seed_generators(m, scenario, seed: int | None = None, *, mesa_init=None) -> int:
    """Seed world `m`'s generators, `m.rng` (numpy: every draw of the world comes from it) and
    `m.random` (stdlib), from `seed` (default the scenario's); return the seed.

    A Mesa model passes `mesa_init=mesa.Model.__init__`: Mesa then makes them itself (its agent
    sets draw from them), as `Model(rng=seed)` does for an int seed: `np.random.default_rng(seed)`
    and `random.Random(seed)`, the very generators a plain `Simulation` gets here. (rng, not
    seed: Mesa 3.5 deprecates seed=, and on Mesa 3.3 an int rng seeds the same numpy and stdlib
    generators as seed= does: same draws, same bytes.)
    """
    seed = scenario.seed if seed is None else int(seed)
    if mesa_init is not None:
        mesa_init(m, rng=seed)
    else:
        m.rng = np.random.default_rng(seed)
        m.random = random.Random(seed)
    return seed


class Simulation(NewsEffects, TradingDay, Recording):
    """A world built from a scenario (scenarios.library.scenario.Scenario); `step()` is one trading
    minute, `run()` runs every day.

    Attributes after steps: `bars` (minute OHLCV per stock, ticks and shares), `motive_volume`
    (shares bought and sold per motive, per minute and stock), `daily` (open, high, low, close,
    volume per day and stock), `spread` (time-averaged quoted spread per minute, ticks),
    `depth_sum / depth_n[:, None]` (mean shares at the best level and 9 ticks behind it, both
    sides pooled). `bar_records()` / `day_records()` view `bars` / `daily` as named records
    (market.types.OHLCV_DTYPE, DAY_DTYPE); `BAR.close`, `DAY.volume` name their columns.

    `world` is what it trades in (scenarios.engine.world.World: stocks, exchange, investors,
    market view, firms), built once; its fields read as the model's own (`m.tickers`, `m.exchange`,
    `m.inv`, `m.mk`, `m.firms`, ...), read-only.

    Hooks for a world built on this one (the trading floor, scenarios.floor.world): override
    `before_ticks` (orders in before the investors' ticks), `before_bar` (the minute's fills on
    the tape before they are folded into a bar), `after_minute` (the minute recorded).
    """

    world: World
    universe = _FromWorld()
    graph = _FromWorld()
    exposure_params = _FromWorld()
    decomposition = _FromWorld()
    expectations = _FromWorld()
    propagate = _FromWorld()
    firms = _FromWorld()
    uidx = _FromWorld()
    tickers = _FromWorld()
    prices0 = _FromWorld()
    shares_out = _FromWorld()
    roles = _FromWorld()
    theme_a = _FromWorld()
    theme_w = _FromWorld()
    exchange = _FromWorld()
    inv = _FromWorld()
    kinds_count = _FromWorld()
    wealth0 = _FromWorld()
    mk = _FromWorld()
    overnight_sd = _FromWorld()
    day_sd = _FromWorld()
    value_rng = _FromWorld()
    news_rng = _FromWorld()

    def __init__(self, scenario, seed: int | None = None):
        seed = seed_generators(self, scenario, seed)
        self.running = True
        self._build(scenario, seed)

    def _build(self, scenario, seed: int) -> None:
        """Everything but the generators, in the order that fixes the draws."""
        self.spec = scenario  # not `scenario`: Mesa 3.5's Model has a `scenario` property
        self.world = build_world(scenario, self.rng)
        self._add_views()
        self._init_news(scenario)
        self.day = -1
        self.minute = 0
        self._init_recording(scenario)
        self.running = True

    def _add_views(self) -> None:
        """Mesa agents on a Mesa model; none here."""

    def last_prices(self) -> np.ndarray:
        """Last trade price per stock in dollars (previous close before any trade)."""
        return self.exchange.last_prices() / 100.0
