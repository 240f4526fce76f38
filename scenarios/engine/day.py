"""The day's lifecycle: overnight news, pre-open call and opening auction, 390 one-minute steps
of continuous trading (60 one-second ticks each, one compiled call), closing call and auction.

`TradingDay` is the day's script of `scenarios.engine.simulation.Simulation` (and so of
`scenarios.engine.model.SelloffModel`): it keeps the clock (`day`, `minute`) and the state that
carries across days, and at each step calls the world's parts in order: the news desk
(scenarios.engine.news.NewsDesk), the compiled ticks, the exchange, the recorder
(scenarios.engine.recording.Recorder).
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
from agents.schema import kind_code
from market import SESSION_SECONDS

__all__ = ["TradingDay", "MINUTES"]

MINUTES = SESSION_SECONDS // 60  # 390


class TradingDay:
    """Opening, stepping and closing trading days: the script of a Simulation, which has
    `world`, `spec`, `news` and `recorder`."""

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
        w = self.world
        run_ticks(w.exchange, w.inv, w.mk, t0, n_ticks, call_phase=call_phase,
                  clock_moves=clock_moves, counts=self.recorder.counts)

    # -- state across days ---------------------------------------------------------------------
    # Nothing about capital or positions resets overnight: accounts (cash, shares, the funds'
    # debt), value traders' capital and losses, the volatility and trend averages and the news
    # rows all carry into the next day; only resting orders expire at the close. At each open
    # lost arbitrage capital partly returns and fund flows roll their memory of past returns.

    def _init_day(self) -> None:
        """Before the first open: the clock, value traders' capital at the start (cents) and the
        funds' memory of past basket returns."""
        self.day = -1
        self.minute = 0
        inv = self.world.inv
        self.capital0 = inv.capital.copy()
        self.flow_memory = np.zeros(int((inv.kind == kind_code("passive")).sum()))

    def _return_capital(self, close_cents):
        """Value traders get back part of the capital they lost (half-life in trading days)."""
        f = self.spec.population.fundamental
        if not (f.capital_returns and self.spec.channels.arbitrage_limits):
            return
        ex = self.world.exchange
        return_capital(self.world.inv, ex.cash, ex.shares, close_cents, self.capital0,
                       1.0 - 0.5 ** (1.0 / f.capital_return_days))

    def _roll_flows(self, close_cents):
        """At an open: the memory of past basket returns decays and takes in yesterday's."""
        _, r = basket_returns(self.world.inv, close_cents, self.world.mk.prev_close)
        decay = 0.5 ** (1.0 / self.spec.population.passive.flow_days)
        self.flow_memory = decay * (self.flow_memory + r)

    def _fund_flows(self):
        """Passive funds' own flows this minute: investors chase the basket's return."""
        if not self.spec.channels.fund_flows:
            return
        w = self.world
        rows, r = basket_returns(w.inv, w.exchange.last_prices(), w.mk.prev_close)
        set_fund_flows(w.inv, rows, self.spec.population.passive.flow_per_return * (
            r + self.flow_memory))

    # -- the day's script: open, minutes, close ---------------------------------------------------

    def _open_day(self):
        """The open: overnight news, capital and flows roll, shocks before the open, the
        pre-open call, the opening auction."""
        self.day += 1
        w = self.world
        ex = w.exchange
        ex.start_day(self.day)
        if self.day > 0:  # overnight news
            z = w.value_rng.standard_normal() * self.spec.dynamics.common_factor
            e = w.value_rng.standard_normal(len(w.tickers))
            b = self.spec.dynamics.common_factor
            move_values(w.mk, w.overnight_sd * (z + np.sqrt(1 - b * b) * e))
        if self.day > 0:
            roll_risk(w.mk, ex.prev_close, w.mk.prev_close)
            self._return_capital(ex.prev_close)
            self._roll_flows(ex.prev_close)
        set_prev_close(w.mk, ex.prev_close)
        self.news.fire(self.day, -1)
        t0 = self.day * SESSION_SECONDS
        rounds = self.spec.rules.preopen_rounds if self.spec.rules.auctions else 0
        if rounds:
            self._run(t0, rounds, call_phase=True, clock_moves=False)
        self.recorder.open(self.day, ex.open_auction())

    def _close_day(self):
        """The close: closing auction, resting orders expire, the last bar and the day's row."""
        ex = self.world.exchange
        close = ex.close_auction()
        ex.cancel_all()
        expire_orders(self.world.inv)
        self._record_minute(closing=True)
        self.recorder.close_day(self.day, close)
        set_last_close(self.world.mk, close)

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
            self._record_minute()
            self.minute += 1
        self.after_minute()

    def _minute_news(self, t0):
        """What reaches investors at the start of the minute: the shocks due now (and the end
        of those whose time is over), each row's salience, attention and fund flows."""
        self.news.fire(self.day, self.minute)
        self.news.salience(t0)
        self.news.attend(t0)
        self._fund_flows()

    def _trade_minute(self, t0, *, closing_call: bool):
        """The minute's 60 ticks; in the day's last minute, with auctions, its final
        `closing_call_s` seconds are the closing call."""
        call_s = self.spec.rules.closing_call_s if self.spec.rules.auctions else 0
        if closing_call and call_s:
            cont = 60 - min(60, call_s)
            if cont:
                self._run(t0, cont, call_phase=False, clock_moves=True)
            self.world.exchange.start_closing_call()
            self._run(t0 + cont, 60 - cont, call_phase=True, clock_moves=True)
        else:
            self._run(t0, 60, call_phase=False, clock_moves=True)

    def _check_halts(self):
        """Market-wide circuit breakers at the minute's end; a halt is recorded."""
        level = self.world.exchange.check_circuit_breaker(self.world.shares_out)
        if level:
            self.recorder.halt(self.day, self.minute, level)

    def _record_minute(self, closing=False):
        """The minute's fills on the tape (the `before_bar` hook first), into its bar."""
        self.before_bar(closing=closing)
        self.recorder.minute(self.day, self.minute, closing=closing)

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
