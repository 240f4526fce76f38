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

from agents.loop import cohort_totals
from agents.schema import KIND_NAMES

from .day import MINUTES, TradingDay
from .news import NewsDesk
from .recording import Recorder
from .world import World, build_world

__all__ = ["Simulation", "MINUTES", "seed_generators"]


class _Read:
    """A read-only attribute of a Simulation that is the same-named attribute of one of its
    parts (`m.tickers` is `m.world.tickers`, `m.bars` is `m.recorder.bars`, `m.events` is
    `m.news.events`), so that code reading a model reads it as before."""

    def __init__(self, part: str):
        self.part = part

    def __set_name__(self, owner, name):
        self.name = name
        self.__doc__ = f"`{self.part}.{name}`, read-only."

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(getattr(obj, self.part), self.name)

    def __set__(self, obj, value):
        raise AttributeError(f"{self.name} is {self.part}.{self.name}: read-only here")


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


class Simulation(TradingDay):
    """A world built from a scenario (scenarios.library.scenario.Scenario); `step()` is one trading
    minute, `run()` runs every day.

    Its parts, each owning its state: `world` (scenarios.engine.world.World: stocks, exchange,
    investors, market view, firms), built once; `news` (scenarios.engine.news.NewsDesk: the
    shocks' schedule, the event log, rows of news, attention); `recorder`
    (scenarios.engine.recording.Recorder: bars, daily rows, spreads, depth, halts). The day's
    script (scenarios.engine.day.TradingDay) keeps the clock and calls them in order.

    Their attributes read as the model's own, read-only: the world's (`tickers`, `exchange`,
    `inv`, `mk`, `firms`, ...); after steps the recorder's, `bars` (minute OHLCV per stock, ticks
    and shares), `motive_volume` (shares bought and sold per motive, per minute and stock),
    `daily` (open, high, low, close, volume per day and stock), `spread` (time-averaged quoted
    spread per minute, ticks), `depth_sum / depth_n[:, None]` (mean shares at the best level and 9
    ticks behind it, both sides pooled), `halts`; the news desk's `events` and `schedule`.
    `bar_records()` / `day_records()` view `bars` / `daily` as named records
    (market.types.OHLCV_DTYPE, DAY_DTYPE); `BAR.close`, `DAY.volume` name their columns.

    Hooks for a world built on this one (the trading floor, scenarios.floor.world): override
    `before_ticks` (orders in before the investors' ticks), `before_bar` (the minute's fills on
    the tape before they are folded into a bar), `after_minute` (the minute recorded).
    """

    world: World
    news: NewsDesk
    recorder: Recorder

    universe = _Read("world")
    graph = _Read("world")
    exposure_params = _Read("world")
    decomposition = _Read("world")
    expectations = _Read("world")
    propagate = _Read("world")
    firms = _Read("world")
    uidx = _Read("world")
    tickers = _Read("world")
    prices0 = _Read("world")
    shares_out = _Read("world")
    roles = _Read("world")
    theme_a = _Read("world")
    theme_w = _Read("world")
    exchange = _Read("world")
    inv = _Read("world")
    kinds_count = _Read("world")
    wealth0 = _Read("world")
    mk = _Read("world")
    overnight_sd = _Read("world")
    day_sd = _Read("world")
    value_rng = _Read("world")
    news_rng = _Read("world")

    events = _Read("news")
    schedule = _Read("news")

    bars = _Read("recorder")
    motive_volume = _Read("recorder")
    spread = _Read("recorder")
    depth_sum = _Read("recorder")
    depth_n = _Read("recorder")
    daily = _Read("recorder")
    open_prices = _Read("recorder")
    prev_close0 = _Read("recorder")
    counts = _Read("recorder")
    halts = _Read("recorder")

    def __init__(self, scenario, seed: int | None = None):
        seed = seed_generators(self, scenario, seed)
        self.running = True
        self._build(scenario, seed)

    def _build(self, scenario, seed: int) -> None:
        """Everything but the generators, in the order that fixes the draws."""
        self.spec = scenario  # not `scenario`: Mesa 3.5's Model has a `scenario` property
        self.world = build_world(scenario, self.rng)
        self._add_views()
        self.news = NewsDesk(self.world, scenario)
        self._init_day()
        self.recorder = Recorder(self.world, scenario)
        self.running = True

    def _add_views(self) -> None:
        """Mesa agents on a Mesa model; none here."""

    def last_prices(self) -> np.ndarray:
        """Last trade price per stock in dollars (previous close before any trade)."""
        return self.world.exchange.last_prices() / 100.0

    def cohorts(self) -> np.ndarray:
        """Per investor kind (rows in agents.schema.Kind order): shares held (all
        stocks), cash and P&L since the start, dollars."""
        w = self.world
        out = np.zeros((len(KIND_NAMES), 3))
        cohort_totals(w.inv.kind, w.exchange.cash, w.exchange.shares, self.last_prices(),
                      w.wealth0, out)
        return out

    def bar_records(self) -> np.ndarray:
        """`bars` as records of OHLCV_DTYPE, [minute, stock] (a view: `bar_records()["close"]`)."""
        return self.recorder.bar_records()

    def day_records(self) -> np.ndarray:
        """`daily` as records of DAY_DTYPE, [day, stock] (a view)."""
        return self.recorder.day_records()
