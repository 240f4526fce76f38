"""Shock effects and news: what a firing shock does to values, revenues, flows and liquidity,
and how investors hear of it (the information network) and attend to it.

`NewsDesk` is a part of `scenarios.engine.simulation.Simulation`: it owns the news' state (the
schedule, the event log, timed effects, readings, attention) and is given the world it changes and,
at each call, the clock.
"""

import numpy as np

from agents.beliefs import add_row, reading_times, rehear, set_salience
from agents.loop import add_flow, attention_rates, move_values, raise_volatility
from agents.networks import information_graph, spread_times, to_csr
from agents.population import maker_rows, set_maker_quotes
from agents.schema import kind_code
from market import SESSION_SECONDS

from .day import MINUTES
from .world import shock_schedule

__all__ = ["NewsDesk"]


class NewsDesk:
    """Shocks firing on schedule, rows of news and readings, attention: the news of `world`
    (scenarios.engine.world.World) under scenario `spec`. The day's script calls `fire`,
    `salience` and `attend` with the time."""

    def __init__(self, world, spec) -> None:
        """Empty event log and timed effects; the market makers' parameters to restore."""
        self.world = world
        self.spec = spec
        self.schedule = shock_schedule(spec)
        self.events = []  # (day, minute, shock name, type, text) as shocks fire
        self._csr = None  # information network, built at the first news
        self._timed = []  # (global minute it ends, undo function)
        # news name -> (row of its Jevons reading, when each investor heard the news)
        self._readings = {}
        self._salience_s = spec.beliefs.salience_days * SESSION_SECONDS
        self._attention = []  # (hear times, extra rate per investor) of news still in mind
        inv = world.inv
        self.rate0 = inv.rate.copy()
        self.mm_rows = maker_rows(inv)
        self.mm_par0 = inv.par[self.mm_rows].copy()
        self._withdrawals = []  # (token, (size factor, spread factor)) in force

    def fire(self, day, minute):
        """Fire the shocks scheduled for `minute` (-1: before the open) of `day`; end timed
        effects that are over. A shock's effect reads the world (scenarios.library.shocks)."""
        w = self.world
        g = day * MINUTES + max(minute, 0)
        for _end, undo in [x for x in self._timed if x[0] <= g]:
            undo()
        self._timed = [x for x in self._timed if x[0] > g]
        for sh in self.schedule.get((day, minute), ()):
            eff = sh.effect(w)
            t = day * SESSION_SECONDS + max(minute, 0) * 60
            self.events.append((day, minute, sh.name, type(sh).__name__, eff.text))
            if eff.revenue is not None:
                for tk, f in w.firms.items():
                    f.absorb(eff.revenue[w.universe.index(tk)])
            if eff.dv is not None:
                self._news(sh, eff, t)
            if eff.flow is not None:
                add = eff.flow[w.uidx]
                add_flow(w.mk, add)
                self._timed.append((g + eff.duration_min,
                                    lambda add=add: add_flow(w.mk, -add)))
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
        set_maker_quotes(self.world.inv, self.mm_rows, self.mm_par0,
                         [factors for _token, factors in self._withdrawals])

    def _hear_times(self, sh, t):
        """When each investor hears news `sh` fired at time t (seconds)."""
        n = self.world.inv.kind.size
        if not self.spec.channels.informational or n == 0:
            return np.full(n, float(t))
        if self._csr is None:
            self._csr = to_csr(information_graph(n, self.world.news_rng))
        k = max(1, int(round(sh.reach * n)))
        if sh.first == "any":
            pool = np.arange(n)
        else:
            pool = np.flatnonzero(self.world.inv.kind == kind_code(sh.first))
        rng = self.world.news_rng
        if pool.size >= k:
            seeds = rng.choice(pool, k, replace=False)
        else:
            rest = np.setdiff1d(np.arange(n), pool)
            seeds = np.concatenate([pool, rng.choice(rest, k - pool.size, replace=False)])
        horizon = self.spec.days * SESSION_SECONDS - t
        return t + spread_times(*self._csr, np.sort(seeds), sh.spread_per_hour, rng, horizon)

    def _news(self, sh, eff, t):
        """Values jump now; each investor acts on it from the time it hears it; a reading of
        it (Jevons) is a row of its own that spreads from its first readers."""
        jump = np.log1p(np.maximum(eff.dv[self.world.uidx], -0.99))
        move_values(self.world.mk, jump)
        raise_volatility(self.world.mk, np.log1p(self.spec.dynamics.news_vol * np.abs(jump)
                                           / self.world.day_sd))
        hear = self._hear_times(sh, t)
        readers = np.zeros(0, np.int64)
        if eff.jevons_dv is not None:
            # first readers: hearers who read it the Jevons way at once
            readers = np.flatnonzero((self.world.news_rng.random(hear.size) < sh.jevons_share)
                                     & np.isfinite(hear))
        # attention: an investor who has heard trades more, the more so the more its stock moved
        d = self.spec.dynamics
        if d.attention > 0:
            home = self.world.inv.home
            w = np.where(home >= 0, np.abs(jump)[np.maximum(home, 0)]
                         / self.world.day_sd[np.maximum(home, 0)], 0.0)
            self._attention.append((hear, d.attention * np.minimum(20.0, w)))
        # news that moves no value (a statement with no figure) is not news an investor can
        # have missed: no rows, so nobody doubts its estimate for not having heard it
        moves = bool(np.any(jump != 0.0))
        jump_now = jump
        if sh.digest > 0:  # the part taken in later: its own row, heard after a delay
            late = hear + self.world.news_rng.exponential(sh.digest_hours * 3600.0, hear.size)
            late[readers] = hear[readers]  # a Jevons reader has its own reading at once
            if moves:
                self._add_row(jump * sh.digest, late, t, news=True)
            jump_now = jump * (1.0 - sh.digest)
        if moves:
            self._add_row(jump_now, hear, t, news=True)
        if eff.jevons_dv is not None:
            jb = np.log1p(np.maximum(eff.jevons_dv[self.world.uidx], -0.99)) - jump
            starts = np.full(hear.size, np.inf)
            starts[readers] = hear[readers]
            adopt = self._spread_reading(starts, hear, sh.spread_per_hour, t)
            self._readings[sh.name] = (self.world.mk.jump.shape[0], hear)
            self._add_row(jb, adopt, t, news=False)
        if getattr(sh, "persuades", "") and sh.persuades in self._readings:
            self._persuade(sh, hear, t)

    def _spread_reading(self, starts, heard, rate_per_hour, t):
        """Adoption times of a reading from `starts` (its readers on their own) over the
        information network; with the narratives channel off, nobody persuades anybody."""
        b = self.spec.beliefs
        p = b.persuasion if self.spec.channels.narratives else 0.0
        if self._csr is None:
            self._csr = to_csr(information_graph(self.world.inv.kind.size, self.world.news_rng))
        horizon = self.spec.days * SESSION_SECONDS
        return reading_times(*self._csr, starts, heard, rate_per_hour, p, self.world.news_rng,
                             horizon)

    def _persuade(self, sh, hear, t):
        """Later news that argues a reading: a share of its hearers (beliefs.persuasion) adopt
        the reading of the news it names, and spread it in turn (narratives channel only)."""
        if not self.spec.channels.narratives:
            return
        row, heard = self._readings[sh.persuades]
        new = self.world.news_rng.random(hear.size) < self.spec.beliefs.persuasion
        starts = np.where(new & np.isfinite(hear), hear, np.inf)
        adopt = self._spread_reading(starts, heard, sh.spread_per_hour, t)
        rehear(self.world.inv, self.world.mk, row, adopt, self._salience_s)

    def _add_row(self, jump, hear, t, *, news: bool):
        """A row of news (the log-value jump per stock an unaware investor misses) or of a
        reading (what its adopters add), heard at `hear` (seconds per investor)."""
        w = self.world
        w.inv, w.mk = add_row(w.inv, w.mk, jump, hear, news=news, fired_s=float(t),
                              salience_s=self._salience_s, theme_w=w.theme_w, theme_a=w.theme_a)

    def salience(self, t):
        """Each row's salience at time t (agents.beliefs.set_salience)."""
        set_salience(self.world.mk, float(t), self._salience_s)

    def attend(self, t):
        """Trading rates at time t: 1 + extra x exp(-(t - heard) / attention time) after news
        (one compiled pass; news nobody still attends is dropped)."""
        if not self._attention:
            return
        hear = np.stack([h for h, _ in self._attention])
        extra = np.stack([x for _, x in self._attention])
        live = np.zeros(len(self._attention), np.int64)
        tau = self.spec.dynamics.attention_hours * 3600.0
        inv = self.world.inv
        attention_rates(self.rate0, hear, extra, float(t), tau, inv.order, inv.rate, inv.cum, live)
        self._attention = [a for a, keep in zip(self._attention, live, strict=True) if keep]

