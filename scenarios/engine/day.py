"""The day's lifecycle: overnight news, pre-open call and opening auction, 390 one-minute steps
of continuous trading (60 one-second ticks each, one compiled call), closing call and auction.

`TradingDay` is a part of `scenarios.engine.simulation.Simulation` (and so of
`scenarios.engine.model.SelloffModel`).
"""

import gc

import numpy as np

from agents.loop import (
    expire_orders,
    move_values,
    roll_risk,
    run_ticks,
    set_last_close,
    set_prev_close,
)
from agents.population import basket_returns, return_capital, set_fund_flows
from market import SESSION_SECONDS
from market.types import BAR, DAY

__all__ = ["TradingDay", "MINUTES"]

MINUTES = SESSION_SECONDS // 60  # 390


class TradingDay:
    """Opening, stepping and closing trading days (a model mixin)."""

    # -- hooks: what a world built on this one (the trading floor) adds to a minute -------------

    def before_ticks(self, t0: int, *, call_phase: bool, clock_moves: bool) -> None:
        """Called before each run of the investors' ticks from time `t0` (seconds): orders
        submitted here enter the books before the investors act. Nothing here."""

    def before_bar(self, *, closing: bool) -> None:
        """Called when a minute's fills are on the exchange's tape (`exchange.trades(0)`), just
        before they are folded into its bar (the tape is emptied then); `closing`: the closing
        auction's. Nothing here."""

    def after_minute(self) -> None:
        """Called at the end of every step, once the minute is recorded. Nothing here; the Mesa
        model collects its DataCollector's reporters."""

    def _run(self, t0, n_ticks, *, call_phase, clock_moves):
        self.before_ticks(t0, call_phase=call_phase, clock_moves=clock_moves)
        run_ticks(self.exchange, self.inv, self.mk, t0, n_ticks, call_phase=call_phase,
                  clock_moves=clock_moves, counts=self.counts)

    # -- state across days ---------------------------------------------------------------------
    # Nothing about capital or positions resets overnight: accounts (cash, shares, the funds'
    # debt), value traders' capital and losses, the volatility and trend averages and the news
    # rows all carry into the next day; only resting orders expire at the close. At each open
    # lost arbitrage capital partly returns and fund flows roll their memory of past returns.

    def _return_capital(self, close_cents):
        """Value traders get back part of the capital they lost (half-life in trading days)."""
        f = self.spec.population.fundamental
        if not (f.capital_returns and self.spec.channels.arbitrage_limits):
            return
        ex = self.exchange
        return_capital(self.inv, ex.cash, ex.shares, close_cents, self.capital0,
                       1.0 - 0.5 ** (1.0 / f.capital_return_days))

    def _roll_flows(self, close_cents):
        """At an open: the memory of past basket returns decays and takes in yesterday's."""
        _, r = basket_returns(self.inv, close_cents, self.mk.prev_close)
        decay = 0.5 ** (1.0 / self.spec.population.passive.flow_days)
        self.flow_memory = decay * (self.flow_memory + r)

    def _fund_flows(self):
        """Passive funds' own flows this minute: investors chase the basket's return."""
        if not self.spec.channels.fund_flows:
            return
        rows, r = basket_returns(self.inv, self.exchange.last_prices(), self.mk.prev_close)
        set_fund_flows(self.inv, rows, self.spec.population.passive.flow_per_return * (
            r + self.flow_memory))

    # -- the day's script: open, minutes, close ---------------------------------------------------

    def _open_day(self):
        """The open: overnight news, capital and flows roll, shocks before the open, the
        pre-open call, the opening auction."""
        self.day += 1
        ex = self.exchange
        ex.start_day(self.day)
        if self.day > 0:  # overnight news
            z = self.value_rng.standard_normal() * self.spec.dynamics.common_factor
            e = self.value_rng.standard_normal(len(self.tickers))
            b = self.spec.dynamics.common_factor
            move_values(self.mk, self.overnight_sd * (z + np.sqrt(1 - b * b) * e))
        if self.day > 0:
            roll_risk(self.mk, ex.prev_close, self.mk.prev_close)
            self._return_capital(ex.prev_close)
            self._roll_flows(ex.prev_close)
        set_prev_close(self.mk, ex.prev_close)
        self._fire(-1)
        t0 = self.day * SESSION_SECONDS
        rounds = self.spec.rules.preopen_rounds if self.spec.rules.auctions else 0
        if rounds:
            self._run(t0, rounds, call_phase=True, clock_moves=False)
        self.open_prices[self.day] = ex.open_auction()

    def _close_day(self):
        """The close: closing auction, resting orders expire, the last bar and the day's row."""
        ex = self.exchange
        close = ex.close_auction()
        ex.cancel_all()
        expire_orders(self.inv)
        self._collect_minute(closing=True)
        d = self.day
        b = self.bars[d * MINUTES : (d + 1) * MINUTES]
        opens = np.where(self.open_prices[d] > 0, self.open_prices[d], b[0, :, BAR.open])
        self.daily[d, :, DAY.open] = opens
        self.daily[d, :, DAY.high] = np.maximum(b[:, :, BAR.high].max(axis=0), opens)
        self.daily[d, :, DAY.low] = np.minimum(b[:, :, BAR.low].min(axis=0), opens)
        self.daily[d, :, DAY.close] = close
        self.daily[d, :, DAY.volume] = b[:, :, BAR.volume].sum(axis=0)
        set_last_close(self.mk, close)

    def step(self):
        """One trading minute, as the day's script runs it: at the first minute the open
        (overnight news, shocks before the open, the pre-open call, the opening auction); every
        minute the news of the minute, 60 one-second ticks and the circuit breakers; at the last
        the closing call inside its ticks, then the close (closing auction, orders expire,
        the day's record)."""
        if not self.running:
            return
        last = self.minute == MINUTES - 1
        if self.minute == 0:
            self._open_day()
        t0 = self.day * SESSION_SECONDS + self.minute * 60
        self._minute_news(t0)
        self._trade_minute(t0, closing_call=last)
        self._check_halts()
        if last:
            self._close_day()
            self._end_day()
        else:
            self._collect_minute()
            self.minute += 1
        self.after_minute()

    def _minute_news(self, t0):
        """What reaches investors at the start of the minute: the shocks due now (and the end
        of those whose time is over), each row's salience, attention and fund flows."""
        self._fire(self.minute)
        self._salience(t0)
        self._attend(t0)
        self._fund_flows()

    def _trade_minute(self, t0, *, closing_call: bool):
        """The minute's 60 ticks; in the day's last minute, with auctions, its final
        `closing_call_s` seconds are the closing call."""
        call_s = self.spec.rules.closing_call_s if self.spec.rules.auctions else 0
        if closing_call and call_s:
            cont = 60 - min(60, call_s)
            if cont:
                self._run(t0, cont, call_phase=False, clock_moves=True)
            self.exchange.start_closing_call()
            self._run(t0 + cont, 60 - cont, call_phase=True, clock_moves=True)
        else:
            self._run(t0, 60, call_phase=False, clock_moves=True)

    def _check_halts(self):
        """Market-wide circuit breakers at the minute's end; a halt is recorded."""
        level = self.exchange.check_circuit_breaker(self.shares_out)
        if level:
            self.halts.append((self.day, self.minute, level))

    def _end_day(self):
        """After the close: the next step opens the next day, or the run is over."""
        self.minute = 0
        if self.day >= self.spec.days - 1:
            self.running = False

    def run(self, progress: bool = False):
        """Run every day of the scenario; return self.

        Python's cyclic garbage collector is paused meanwhile: a run allocates no cycles, and
        each full collection walks every Mesa agent (measured: about a tenth of a run's time).
        """
        total = self.spec.days * MINUTES
        it = range(total)
        if progress:
            from tqdm import tqdm

            it = tqdm(it, desc=self.spec.name, unit="min", leave=False)
        collecting = gc.isenabled()
        gc.disable()
        try:
            for _ in it:
                self.step()
                if not self.running:
                    break
        finally:
            if collecting:
                gc.enable()
        return self
