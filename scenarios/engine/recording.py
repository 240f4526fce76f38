"""Recording: minute bars, motive volumes, spreads and depth samples; daily OHLCV.

`Recorder` is a part of `scenarios.engine.simulation.Simulation`: it owns what a run records and is
given the exchange it reads and, at each call, the clock. (The Mesa DataCollector is
`scenarios.engine.model.SelloffModel`'s.)
"""

import numpy as np

from agents.schema import N_MOTIVES
from market.types import BAR, DAY, DAY_DTYPE, OHLCV_DTYPE, records

from .day import MINUTES

#: `bars[minute, stock, BAR.close]`, `daily[day, stock, DAY.close]`: the records' columns by name
__all__ = ["Recorder", "BAR", "DAY", "OHLCV_DTYPE", "DAY_DTYPE", "records", "BOUGHT", "SOLD"]

#: the last axis of `motive_volume`: shares bought, shares sold
BOUGHT, SOLD = 0, 1


class Recorder:
    """What a run of `world` (scenarios.engine.world.World) under scenario `spec` records, minute
    by minute and day by day: arrays for every minute and day of `spec`.

    `bars` (minute OHLCV per stock, ticks and shares: OHLCV_DTYPE's columns), `motive_volume`
    (shares bought and sold per motive, per minute and stock), `spread` (time-averaged quoted
    spread per minute, ticks), `depth_sum` / `depth_n` (shares at the best level and 9 ticks
    behind it, summed over samples, and the samples per stock), `daily` (DAY_DTYPE's columns per
    day and stock), `open_prices` (the opening auctions' prices, 0 where none), `prev_close0`
    (cents: the close before the run), `counts` (the compiled loop's counters: decisions, ...),
    `halts` ((day, minute, level) per market-wide halt).
    """

    def __init__(self, world, spec) -> None:
        self.exchange = world.exchange
        ns = len(world.tickers)
        total_minutes = spec.days * MINUTES
        self.bars = np.zeros((total_minutes, ns, len(BAR)), np.int64)  # OHLCV_DTYPE's columns
        self.motive_volume = np.zeros((total_minutes, ns, N_MOTIVES, 2), np.int64)
        self.spread = np.full((total_minutes, ns), np.nan)
        self.depth_sum = np.zeros((ns, 10))
        self.depth_n = np.zeros(ns, np.int64)  # samples taken per stock
        self.daily = np.zeros((spec.days, ns, len(DAY)), np.int64)  # DAY_DTYPE's columns
        self.open_prices = np.zeros((spec.days, ns), np.int64)
        self.prev_close0 = np.round(world.prices0 * 100).astype(np.int64)
        self.counts = np.zeros(2, np.int64)
        self.halts = []

    def bar_records(self) -> np.ndarray:
        """`bars` as records of OHLCV_DTYPE, [minute, stock] (a view: `bar_records()["close"]`)."""
        return records(self.bars, OHLCV_DTYPE)

    def day_records(self) -> np.ndarray:
        """`daily` as records of DAY_DTYPE, [day, stock] (a view)."""
        return records(self.daily, DAY_DTYPE)

    def open(self, day, prices) -> None:
        """The opening auction's prices of `day` (cents per stock; 0 where none)."""
        self.open_prices[day] = prices

    def minute(self, day, minute, *, closing=False) -> None:
        """Drain the tape into the bar of `minute` of `day`, its motive volumes and spread; sample
        depth. `closing`: the closing auction's fills, into the day's last bar."""
        ex = self.exchange
        g = day * MINUTES + minute
        last_close = self.bars[g - 1, :, BAR.close] if g > 0 else self.prev_close0
        ex.drain_into_bar(last_close, self.bars[g], self.motive_volume[g])
        if not closing:
            self.spread[g] = ex.mean_spread(minute * 60, minute * 60 + 60)
            if minute % 5 == 2:
                self._sample_depth()

    def halt(self, day, minute, level) -> None:
        """A market-wide circuit breaker of `level` at the end of `minute` of `day`."""
        self.halts.append((day, minute, level))

    def close_day(self, day, close) -> None:
        """The row of `day` in `daily` from its bars, opening prices and `close` (cents)."""
        b = self.bars[day * MINUTES : (day + 1) * MINUTES]
        opens = np.where(self.open_prices[day] > 0, self.open_prices[day], b[0, :, BAR.open])
        self.daily[day, :, DAY.open] = opens
        self.daily[day, :, DAY.high] = np.maximum(b[:, :, BAR.high].max(axis=0), opens)
        self.daily[day, :, DAY.low] = np.minimum(b[:, :, BAR.low].min(axis=0), opens)
        self.daily[day, :, DAY.close] = close
        self.daily[day, :, DAY.volume] = b[:, :, BAR.volume].sum(axis=0)

    def _sample_depth(self):
        """Shares at the best price level and the 9 ticks behind it (level 1 = best), both sides
        pooled, summed over samples; a stock whose book is one-sided or too near the edge of its
        window is not sampled (and not counted)."""
        for s in range(len(self.depth_n)):
            depth = self.exchange.depth_by_tick(s, 10)
            if depth is not None:
                self.depth_sum[s] += depth[0]
                self.depth_sum[s] += depth[1]
                self.depth_n[s] += 1
