"""Shock effects and news: what a firing shock does to values, revenues, flows and liquidity,
and how investors hear of it (the information network) and attend to it.

`NewsEffects` is a part of `scenarios.model.SelloffModel`; `_init_news` sets its state.
"""

import numpy as np

from agents.loop import attention_rates
from agents.networks import information_graph, spread_times, to_csr
from agents.population import maker_rows, set_maker_quotes
from agents.schema import kind_code
from market import SESSION_SECONDS

from .day import MINUTES
from .world import shock_schedule

__all__ = ["NewsEffects"]


class NewsEffects:
    """Shocks firing on schedule, news rows, attention and Jevons readings (a model mixin)."""

    def _init_news(self, spec) -> None:
        """Empty event log and timed effects; the market makers' parameters to restore."""
        self.schedule = shock_schedule(spec)
        self.events = []  # (day, minute, shock name, type, text) as shocks fire
        self._csr = None  # information network, built at the first news
        self._timed = []  # (global minute it ends, undo function)
        self._jevons = []  # (hear time, investor index, log bias added) not yet applied
        self._attention = []  # (hear times, extra rate per investor) of news still in mind
        self.rate0 = self.inv.rate.copy()
        self.mm_rows = maker_rows(self.inv)
        self.mm_par0 = self.inv.par[self.mm_rows].copy()
        self._withdrawals = []  # (token, (size factor, spread factor)) in force
        self.capital0 = self.inv.capital.copy()  # cents: value traders' capital at the start
        self.flow_memory = np.zeros(int((self.inv.kind == kind_code("passive")).sum()))

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

