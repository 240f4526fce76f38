"""Recording: minute bars, motive volumes, spreads and depth samples; daily OHLCV.

`Recording` is a part of `scenarios.engine.simulation.Simulation`; `_init_recording` allocates its
arrays. (The Mesa DataCollector is `scenarios.engine.model.SelloffModel`'s.)
"""

import numpy as np

from agents.loop import cohort_totals
from agents.schema import KIND_NAMES, N_MOTIVES
from market.types import BAR, DAY, DAY_DTYPE, OHLCV_DTYPE, records

from .day import MINUTES

#: `bars[minute, stock, BAR.close]`, `daily[day, stock, DAY.close]`: the records' columns by name
__all__ = ["Recording", "BAR", "DAY", "OHLCV_DTYPE", "DAY_DTYPE", "records", "BOUGHT", "SOLD"]

#: the last axis of `motive_volume`: shares bought, shares sold
BOUGHT, SOLD = 0, 1


class Recording:
    """What a run records, minute by minute (a model mixin)."""

    def _init_recording(self, spec) -> None:
        """Arrays for every minute and day of `spec`."""
        scenario = spec
        ns = len(self.tickers)
        total_minutes = scenario.days * MINUTES
        self.bars = np.zeros((total_minutes, ns, len(BAR)), np.int64)  # OHLCV_DTYPE's columns
        self.motive_volume = np.zeros((total_minutes, ns, N_MOTIVES, 2), np.int64)
        self.spread = np.full((total_minutes, ns), np.nan)
        self.depth_sum = np.zeros((ns, 10))
        self.depth_n = np.zeros(ns, np.int64)  # samples taken per stock
        self.daily = np.zeros((scenario.days, ns, len(DAY)), np.int64)  # DAY_DTYPE's columns
        self.open_prices = np.zeros((scenario.days, ns), np.int64)
        self.prev_close0 = np.round(self.prices0 * 100).astype(np.int64)
        self.counts = np.zeros(2, np.int64)
        self.halts = []

    def cohorts(self) -> np.ndarray:
        """Per investor kind (rows in agents.schema.Kind order): shares held (all
        stocks), cash and P&L since the start, dollars."""
        ex = self.exchange
        out = np.zeros((len(KIND_NAMES), 3))
        cohort_totals(self.inv.kind, ex.cash, ex.shares, self.last_prices(), self.wealth0, out)
        return out

    def bar_records(self) -> np.ndarray:
        """`bars` as records of OHLCV_DTYPE, [minute, stock] (a view: `bar_records()["close"]`)."""
        return records(self.bars, OHLCV_DTYPE)

    def day_records(self) -> np.ndarray:
        """`daily` as records of DAY_DTYPE, [day, stock] (a view)."""
        return records(self.daily, DAY_DTYPE)

    def _collect_minute(self, closing=False):
        """Drain the tape into this minute's bar, motive volumes and spread; sample depth."""
        self.before_bar(closing=closing)
        ex = self.exchange
        g = self.day * MINUTES + self.minute
        last_close = self.bars[g - 1, :, BAR.close] if g > 0 else self.prev_close0
        ex.drain_into_bar(last_close, self.bars[g], self.motive_volume[g])
        if not closing:
            self.spread[g] = ex.mean_spread(self.minute * 60, self.minute * 60 + 60)
            if self.minute % 5 == 2:
                self._sample_depth()

    def _sample_depth(self):
        """Shares at the best price level and the 9 ticks behind it (level 1 = best), both sides
        pooled, summed over samples; a stock whose book is one-sided or too near the edge of its
        window is not sampled (and not counted)."""
        for s in range(len(self.tickers)):
            depth = self.exchange.depth_by_tick(s, 10)
            if depth is not None:
                self.depth_sum[s] += depth[0]
                self.depth_sum[s] += depth[1]
                self.depth_n[s] += 1

