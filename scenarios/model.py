"""The Mesa model that runs a world: one `step()` is one trading minute.

A day: overnight news moves values; a pre-open call collects limit orders; the opening auction
sets the open; 389 minutes of continuous trading in which each step runs 60 one-second ticks of
every investor in one compiled call; a closing call and auction; resting orders expire.
The model owns the one seeded generator: the compiled loop's xoshiro state is seeded from it.
"""

import gc

import numpy as np
from mesa import DataCollector, Model

from agents.firms import make_firm
from agents.investor import Investor
from agents.loop import attention_rates, cohort_totals, new_market_view, run_ticks
from agents.networks import information_graph, spread_times, supply_graph, to_csr
from agents.population import build_investors, maker_rows, mute_trend_followers, set_maker_quotes
from agents.schema import KIND_NAMES, N_MOTIVES, kind_code
from agents.universe import SELLER_ROLES, load_edges, load_universe
from market import SESSION_SECONDS, Exchange, MarketRules

__all__ = ["SelloffModel", "Investor", "MINUTES"]

MINUTES = SESSION_SECONDS // 60  # 390


class SelloffModel(Model):
    """A world built from a scenario (scenarios.scenario.Scenario). See the module docstring.

    Attributes after steps: `bars` (minute OHLCV per stock, ticks and shares), `motive_volume`
    (shares bought and sold per motive, per minute and stock), `daily` (open, high, low, close,
    volume per day and stock), `spread` (time-averaged quoted spread per minute, ticks),
    `depth_sum / depth_n[:, None]` (mean shares at the best level and 9 ticks behind it, both
    sides pooled).
    """

    def __init__(self, scenario, seed: int | None = None, *, collect_agents: bool = False):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.spec = scenario  # not `scenario`: Mesa 3.5's Model has a `scenario` property
        uni = load_universe()
        idx = [uni.tickers.index(t) for t in scenario.tickers]
        self.universe = uni
        self.graph = supply_graph(uni, load_edges(uni))
        self.exposure_params = scenario.exposure
        self.propagate = scenario.channels.fundamental
        self.uidx = np.asarray(idx, np.int64)
        self.tickers = tuple(scenario.tickers)
        ns = len(idx)
        self.prices0 = np.asarray(uni.close_2025_01_24)[idx]
        mv = np.asarray(uni.shares_out_m)[idx] * self.prices0
        self.shares_out = np.asarray(uni.shares_out_m)[idx]
        self.roles = tuple(uni.roles[i] for i in idx)
        r = scenario.rules
        self.exchange = Exchange(
            np.round(self.prices0 * 100).astype(np.int64), 1,
            MarketRules(auctions=r.auctions, luld=r.luld, luld_band_pct=r.luld_band_pct,
                        circuit_breaker=r.circuit_breaker,
                        self_trade_prevention=r.self_trade_prevention),
            pool_capacity=1 << 16, tape_capacity=1 << 18,
        )
        ai = np.array([r in SELLER_ROLES for r in self.roles])
        world = build_investors(scenario.population, self.prices0, mv, self.rng, ai_mask=ai)
        self.inv = world.inv
        self.kinds_count = world.kinds_count
        n = self.inv.kind.size
        ex = self.exchange
        ex.open_accounts(world.cash_cents, world.shares)  # one account per investor
        self.wealth0 = world.cash_cents / 100.0 + world.shares @ self.prices0

        d = scenario.dynamics
        vol = np.asarray(uni.vol_2024_pct)[idx] / 100.0 * d.vol_scale
        per_s = vol / np.sqrt(252 * SESSION_SECONDS)
        intraday = per_s * np.sqrt(1.0 - d.overnight_share)
        ch = scenario.channels
        self.mk = new_market_view(
            self.prices0, intraday, vol_of_vol=d.vol_of_vol, common_factor=d.common_factor,
            activity_gain=d.activity_gain, activity_max=d.activity_max,
            vol_persistence_min=d.vol_persistence_min, fast_min=d.fast_min, slow_min=d.slow_min,
            var_min=d.var_min, flow_noise=scenario.population.passive.flow_noise,
            informational=ch.informational, fire_sale=ch.fire_sale, liquidity=ch.liquidity,
            rng=self.rng)
        self.overnight_sd = vol / np.sqrt(252) * np.sqrt(d.overnight_share)
        # streams of their own (drawn from the model's generator): overnight value news, and who
        # hears news when; so that counterfactual runs share value paths (common random numbers)
        self.value_rng = np.random.default_rng(self.rng.integers(0, 2**63 - 1))
        self.news_rng = np.random.default_rng(self.rng.integers(0, 2**63 - 1))
        self.day_sd = vol / np.sqrt(252)  # sd of a day's value change (log)

        if not scenario.channels.informational:  # no trend following on top of the news
            mute_trend_followers(self.inv)

        self.collect_agents = collect_agents
        Investor.create_agents(self, n, list(range(n)))
        # a firm agent per traded stock, and per firm a shock speaks for (a hyperscaler's capex
        # guidance moves its suppliers through the supply network whether or not its own stock
        # is in this world)
        named = [sh.firm for sh in scenario.shocks
                 if getattr(sh, "firm", None) and sh.firm not in self.tickers]
        self.firms = {}
        for t in [*self.tickers, *dict.fromkeys(named)]:
            i = uni.index(t)
            self.firms[t] = make_firm(self, t, uni.roles[i], uni.revenue_bn[i], uni.ai_share[i],
                                      uni.capex_2025_bn[i])
        # shocks by (day, minute); -1 fires before the open
        self.schedule = {}
        for sh in scenario.shocks:
            if getattr(sh, "enabled", True) and sh.day < scenario.days:
                self.schedule.setdefault((sh.day, sh.minute), []).append(sh)
        self.events = []  # (day, minute, shock name, type, text) as shocks fire
        self._csr = None  # information network, built at the first news
        self._timed = []  # (global minute it ends, undo function)
        self._jevons = []  # (hear time, investor index, log bias added) not yet applied
        self._attention = []  # (hear times, extra rate per investor) of news still in mind
        self.rate0 = self.inv.rate.copy()
        self.mm_rows = maker_rows(self.inv)
        self.mm_par0 = self.inv.par[self.mm_rows].copy()
        self._withdrawals = []  # (token, (size factor, spread factor)) in force
        self.day = -1
        self.minute = 0
        total_minutes = scenario.days * MINUTES
        self.bars = np.zeros((total_minutes, ns, 6), np.int64)  # open high low close volume trades
        self.motive_volume = np.zeros((total_minutes, ns, N_MOTIVES, 2), np.int64)
        self.spread = np.full((total_minutes, ns), np.nan)
        self.depth_sum = np.zeros((ns, 10))
        self.depth_n = np.zeros(ns, np.int64)  # samples taken per stock
        self.daily = np.zeros((scenario.days, ns, 5), np.int64)
        self.open_prices = np.zeros((scenario.days, ns), np.int64)
        self.prev_close0 = np.round(self.prices0 * 100).astype(np.int64)
        self.counts = np.zeros(2, np.int64)
        self.halts = []
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
        self.running = True

    # -- helpers --------------------------------------------------------------------------------

    def last_prices(self) -> np.ndarray:
        """Last trade price per stock in dollars (previous close before any trade)."""
        return self.exchange.last_prices() / 100.0

    def _run(self, t0, n_ticks, *, call_phase, clock_moves):
        run_ticks(self.exchange, self.inv, self.mk, t0, n_ticks, call_phase=call_phase,
                  clock_moves=clock_moves, counts=self.counts)

    # -- shocks ----------------------------------------------------------------------------------

    def _fire(self, minute):
        """Fire the shocks scheduled for this minute of today; end timed effects that are over."""
        g = self.day * MINUTES + max(minute, 0)
        for _end, undo in [x for x in self._timed if x[0] <= g]:
            undo()
        self._timed = [x for x in self._timed if x[0] > g]
        for sh in self.schedule.get((self.day, minute), ()):
            eff = sh.effect(self)
            t = self.day * SESSION_SECONDS + max(minute, 0) * 60
            self.events.append((self.day, minute, sh.name, type(sh).__name__, eff.text))
            if eff.revenue is not None:
                for tk, f in self.firms.items():
                    f.absorb(eff.revenue[self.universe.index(tk)])
            if eff.dv is not None:
                self._news(sh, eff, t)
            if eff.flow is not None:
                add = eff.flow[self.uidx]
                self.mk.flow[:] += add
                self._timed.append((g + eff.duration_min,
                                    lambda add=add: self.mk.flow.__isub__(add)))
            if eff.liquidity is not None and self.spec.channels.liquidity:
                token = object()  # this withdrawal, among any that overlap it
                self._withdrawals.append((token, eff.liquidity))
                self._set_maker_quotes()

                def undo(token=token):
                    self._withdrawals = [w for w in self._withdrawals if w[0] is not token]
                    self._set_maker_quotes()

                self._timed.append((g + eff.duration_min, undo))

    def _set_maker_quotes(self):
        """Market makers' size and half-spread: their defaults under every liquidity withdrawal
        in force, applied in the order they began (one ending leaves the others in force)."""
        set_maker_quotes(self.inv, self.mm_rows, self.mm_par0,
                         [factors for _token, factors in self._withdrawals])

    def _hear_times(self, sh, t):
        """When each investor hears news `sh` fired at time t (seconds)."""
        n = self.inv.kind.size
        if not self.spec.channels.informational or n == 0:
            return np.full(n, float(t))
        if self._csr is None:
            self._csr = to_csr(information_graph(n, self.news_rng))
        k = max(1, int(round(sh.reach * n)))
        if sh.first == "any":
            pool = np.arange(n)
        else:
            pool = np.flatnonzero(self.inv.kind == kind_code(sh.first))
        rng = self.news_rng
        if pool.size >= k:
            seeds = rng.choice(pool, k, replace=False)
        else:
            rest = np.setdiff1d(np.arange(n), pool)
            seeds = np.concatenate([pool, rng.choice(rest, k - pool.size, replace=False)])
        horizon = self.spec.days * SESSION_SECONDS - t
        return t + spread_times(*self._csr, np.sort(seeds), sh.spread_per_hour, rng, horizon)

    def _news(self, sh, eff, t):
        """Values jump now; each investor acts on it from the time it hears it."""
        jump = np.log1p(np.maximum(eff.dv[self.uidx], -0.99))
        self.mk.logv[:] += jump
        self.mk.h[:] += np.log1p(self.spec.dynamics.news_vol * np.abs(jump) / self.day_sd)
        hear = self._hear_times(sh, t)
        readers = np.zeros(0, np.int64)
        if eff.jevons_dv is not None:
            # a Jevons reader hears the news like everyone else and then, instead of taking it
            # as told, shifts its own estimate to the Jevons reading (at the next minute)
            readers = np.flatnonzero((self.news_rng.random(hear.size) < sh.jevons_share)
                                     & np.isfinite(hear) & (self.inv.home >= 0))
            jb = np.log1p(np.maximum(eff.jevons_dv[self.uidx], -0.99)) - jump
            add = jb[self.inv.home[readers]]
            self._jevons.extend(zip(hear[readers], readers, add, strict=True))
            self._jevons.sort()
        # attention: an investor who has heard trades more, the more so the more its stock moved
        d = self.spec.dynamics
        if d.attention > 0:
            home = self.inv.home
            w = np.where(home >= 0, np.abs(jump)[np.maximum(home, 0)]
                         / self.day_sd[np.maximum(home, 0)], 0.0)
            self._attention.append((hear, d.attention * np.minimum(20.0, w)))
        jump_now = jump
        if sh.digest > 0:  # the part taken in later: its own row, heard after a delay
            late = hear + self.news_rng.exponential(sh.digest_hours * 3600.0, hear.size)
            late[readers] = hear[readers]  # a Jevons reader has its own reading at once
            self._add_news(jump * sh.digest, late)
            jump_now = jump * (1.0 - sh.digest)
        # last: the kernel takes "heard the latest news" to mean heard this row
        self._add_news(jump_now, hear)

    def _add_news(self, jump, hear):
        """A row of news: log-value jump per stock (the part an unaware investor misses) and
        the time each investor hears it."""
        self.mk = self.mk._replace(jump=np.vstack([self.mk.jump, jump[None, :]]))
        self.inv = self.inv._replace(hear=np.vstack([self.inv.hear, hear[None, :]]))

    def _attend(self, t):
        """Trading rates at time t: 1 + extra x exp(-(t - heard) / attention time) after news
        (one compiled pass; news nobody still attends is dropped)."""
        if not self._attention:
            return
        hear = np.stack([h for h, _ in self._attention])
        extra = np.stack([x for _, x in self._attention])
        live = np.zeros(len(self._attention), np.int64)
        tau = self.spec.dynamics.attention_hours * 3600.0
        attention_rates(self.rate0, hear, extra, float(t), tau, self.inv.order, self.inv.rate,
                           self.inv.cum, live)
        self._attention = [a for a, keep in zip(self._attention, live, strict=True) if keep]

    def _apply_jevons(self, t):
        """Jevons readers who heard by time t shift their estimates."""
        k = 0
        while k < len(self._jevons) and self._jevons[k][0] <= t:
            _, i, add = self._jevons[k]
            self.inv.bias[i] += add
            k += 1
        del self._jevons[:k]

    # -- the day --------------------------------------------------------------------------------

    def _open_day(self):
        self.day += 1
        ex = self.exchange
        ex.start_day(self.day)
        if self.day > 0:  # overnight news
            z = self.value_rng.standard_normal() * self.spec.dynamics.common_factor
            e = self.value_rng.standard_normal(len(self.tickers))
            b = self.spec.dynamics.common_factor
            self.mk.logv[:] += self.overnight_sd * (z + np.sqrt(1 - b * b) * e)
        self.mk.prev_close[:] = ex.prev_close
        self._fire(-1)
        t0 = self.day * SESSION_SECONDS
        rounds = self.spec.rules.preopen_rounds if self.spec.rules.auctions else 0
        if rounds:
            self._run(t0, rounds, call_phase=True, clock_moves=False)
        self.open_prices[self.day] = ex.open_auction()

    def _close_day(self):
        ex = self.exchange
        close = ex.close_auction()
        ex.cancel_all()
        self.inv.oid[:] = -1
        self._collect_minute(closing=True)
        d = self.day
        b = self.bars[d * MINUTES : (d + 1) * MINUTES]
        opens = np.where(self.open_prices[d] > 0, self.open_prices[d], b[0, :, 0])
        self.daily[d, :, 0] = opens
        self.daily[d, :, 1] = np.maximum(b[:, :, 1].max(axis=0), opens)
        self.daily[d, :, 2] = np.minimum(b[:, :, 2].min(axis=0), opens)
        self.daily[d, :, 3] = close
        self.daily[d, :, 4] = b[:, :, 4].sum(axis=0)
        self.mk.logp[:] = np.log(np.maximum(close, 1))

    def step(self):
        """One trading minute (the first of a day opens it, the last closes it)."""
        if not self.running:
            return
        if self.minute == 0:
            self._open_day()
        ex = self.exchange
        t0 = self.day * SESSION_SECONDS + self.minute * 60
        self._fire(self.minute)
        self._apply_jevons(t0)
        self._attend(t0)
        call_s = self.spec.rules.closing_call_s if self.spec.rules.auctions else 0
        if self.minute == MINUTES - 1 and call_s:
            cont = 60 - min(60, call_s)
            if cont:
                self._run(t0, cont, call_phase=False, clock_moves=True)
            ex.start_closing_call()
            self._run(t0 + cont, 60 - cont, call_phase=True, clock_moves=True)
        else:
            self._run(t0, 60, call_phase=False, clock_moves=True)
        level = ex.check_circuit_breaker(self.shares_out)
        if level:
            self.halts.append((self.day, self.minute, level))
        if self.minute == MINUTES - 1:
            self._close_day()
            self.minute = 0
            if self.day >= self.spec.days - 1:
                self.running = False
        else:
            self._collect_minute()
            self.minute += 1
        # Python floats: the DataCollector deep-copies every value it stores
        self._last = self.last_prices().tolist()
        self._cohorts = self.cohorts().tolist()
        self.datacollector.collect(self)

    def cohorts(self) -> np.ndarray:
        """Per investor kind (rows in agents.schema.Kind order): shares held (all
        stocks), cash and P&L since the start, dollars."""
        ex = self.exchange
        out = np.zeros((len(KIND_NAMES), 3))
        cohort_totals(self.inv.kind, ex.cash, ex.shares, self.last_prices(), self.wealth0, out)
        return out

    def _collect_minute(self, closing=False):
        """Drain the tape into this minute's bar, motive volumes and spread; sample depth."""
        ex = self.exchange
        g = self.day * MINUTES + self.minute
        last_close = self.bars[g - 1, :, 3] if g > 0 else self.prev_close0
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
