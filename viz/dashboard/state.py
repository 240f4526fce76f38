"""What the classroom page steps: a run and its counterfactual twin, minute by minute.

No Solara here: `ClassroomModel` is a plain Mesa model, so tests (and notebooks) can step it
exactly as the page does. A run is named by a *run card*: scenario, seed, ``--set`` overrides and
the twin (a channel off, or no shock). The same card stepped to the close gives the same bars as
``selloff run SCENARIO --seed N --set ...``: both build ``SelloffModel(scenario, seed)`` from
``apply_overrides(get_scenario(name), overrides)`` with the seed replaced, as
``scenarios.studies.run.run`` does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from importlib import metadata
from urllib.parse import parse_qs, urlencode

import numpy as np
from mesa import Model

from agents.params import ParamError, ParamSpec
from agents.schema import SCHEMAS, Kind
from market import Motive
from market.types import BAR, DAY
from scenarios.engine.model import MINUTES, SelloffModel
from scenarios.engine.recording import BOUGHT, SOLD
from scenarios.library.catalog import SCENARIOS, get_scenario
from scenarios.library.overrides import apply_overrides

__all__ = ["ClassroomModel", "RunCard", "TWINS", "Knob", "lesson_knobs", "card_from_query",
           "card_to_query", "CardError", "shock_minutes", "clock_text", "day_label", "main_shock",
           "card_with"]

#: the twin's label for a channel switched off (a channel not named here gets "<name> off")
_TWIN_LABELS = {
    "fundamental": "supply network off",
    "informational": "news spread off",
    "fire_sale": "fire sales off",
    "liquidity": "liquidity withdrawal off",
    "arbitrage_limits": "unlimited arbitrage capital",
    "crowding": "no crowded funds",
    "fund_flows": "no fund flows",
    "expectations": "value on today's AI revenue",
    "theme": "theme traders read their own stock",
    "overreaction": "no overweight on salient news",
    "narratives": "no Jevons reading",
    "disagreement": "no disagreement",
}


def _twins() -> dict:
    """label -> overrides added to the main run's: one channel off for every field of the
    scenario's Channels (a channel added to the model gets its twin here), no shock, no twin."""
    from scenarios.library.scenario import Channels

    out = {}
    for f in dataclasses.fields(Channels):
        out[_TWIN_LABELS.get(f.name, f"{f.name.replace('_', ' ')} off")] = [
            f"channels.{f.name}=false"]
    out["no shock"] = None  # every shock disabled (filled in per scenario)
    out["no twin"] = []
    return out


#: the twin runs the page offers: label -> overrides added to the main run's
TWINS = _twins()

#: how many of the same kind of leaf field a lesson offers as sliders, by field name at the end
#: of the dotted path (the shock's own fields first)
_SHOCK_FIELDS = ("size", "reach", "spread_per_hour", "jevons_share", "rate", "lost_share",
                 "weeks", "capex_bn", "intensity")
_WORLD_FIELDS = (
    ("population.leveraged.leverage_limit", "leveraged funds' limit (x equity)"),
    ("population.market_maker.withdraw_ratio", "market makers withdraw at vol ratio"),
    ("population.fundamental.count", "value traders"),
    ("population.momentum.count", "momentum traders"),
    ("population.noise.count", "noise / retail traders"),
    ("population.leveraged.count", "leveraged funds"),
)
#: a population count slider ends at this multiple of the scenario's value (the spec allows up
#: to 10^6, which no projector slider can show; --set still takes any allowed value)
COUNT_SPAN = 4


class CardError(ParamError):
    """A run card (URL query or JSON) that names an unknown scenario or a bad value."""


@dataclasses.dataclass(frozen=True)
class RunCard:
    """Everything that names a run: reloading the card gives the same run, bit for bit."""

    scenario: str = "deepseek"
    seed: int = 0
    overrides: tuple[str, ...] = ()
    twin: str = "supply network off"

    def build(self):
        """The scenario object with the overrides applied and the seed set (ParamError)."""
        sc = apply_overrides(get_scenario(self.scenario), list(self.overrides))
        return dataclasses.replace(sc, seed=int(self.seed))

    def to_json(self) -> str:
        """The card as JSON, with the model version and the equivalent `selloff run` line."""
        sets = " ".join(f"--set {o}" for o in self.overrides)
        return json.dumps({
            "scenario": self.scenario, "seed": int(self.seed), "overrides": list(self.overrides),
            "twin": self.twin, "version": _version(),
            "url": "/?" + card_to_query(self),
            "cli": f"selloff run {self.scenario} --seed {self.seed} {sets}".strip(),
        }, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunCard:
        """A card from `to_json`'s text (CardError naming the field on bad input)."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise CardError(f"card: not JSON ({e.msg})", "card") from None
        if not isinstance(d, dict):
            raise CardError("card: must be a JSON object", "card")
        q = {"scenario": [str(d.get("scenario", "deepseek"))], "seed": [str(d.get("seed", 0))],
             "set": [str(o) for o in d.get("overrides", [])],
             "twin": [str(d.get("twin", "supply network off"))]}
        return _card(q)


def _version() -> str:
    try:
        return metadata.version("selloff")
    except metadata.PackageNotFoundError:  # a source tree not installed
        return "unknown"


def card_to_query(card: RunCard) -> str:
    """The URL query that opens `card` (``scenario=deepseek&seed=3&set=...``)."""
    q = [("scenario", card.scenario), ("seed", str(card.seed))]
    q += [("set", o) for o in card.overrides]
    if card.twin != "supply network off":
        q.append(("twin", card.twin))
    return urlencode(q)


def card_from_query(query: str, default_scenario: str = "deepseek") -> RunCard:
    """Parse a URL query (``scenario``, ``seed``, repeated ``set``, ``twin``) into a card.

    Raises CardError naming the field and what is allowed.
    """
    return _card(parse_qs(query.lstrip("?"), keep_blank_values=True), default_scenario)


def _card(q: dict, default_scenario: str = "deepseek") -> RunCard:
    name = q.get("scenario", [default_scenario])[-1] or default_scenario
    if name not in SCENARIOS:
        raise CardError(f"scenario: unknown {name!r}; allowed: {', '.join(SCENARIOS)}",
                        "scenario")
    seed_txt = q.get("seed", [None])[-1]
    if seed_txt in (None, ""):
        seed = int(get_scenario(name).seed)
    else:
        try:
            seed = int(seed_txt)
        except ValueError:
            raise CardError(f"seed: must be an integer in [0, 2**63 - 1] (got {seed_txt!r})",
                            "seed") from None
        if not 0 <= seed < 2**63:
            raise CardError(f"seed: must be an integer in [0, 2**63 - 1] (got {seed})", "seed")
    twin = q.get("twin", ["supply network off"])[-1]
    if twin not in TWINS:
        raise CardError(f"twin: unknown {twin!r}; allowed: {', '.join(TWINS)}", "twin")
    card = RunCard(name, seed, tuple(s for s in q.get("set", []) if s), twin)
    try:
        card.build()
    except ParamError as e:
        raise CardError(f"set: {e}", "set") from None
    return card


@dataclasses.dataclass(frozen=True)
class Knob:
    """A lesson slider: a scenario field by its dotted path, its range from the field's spec."""

    path: str
    label: str
    value: float
    lo: float
    hi: float
    step: float
    integer: bool


def card_with(card: RunCard, changes: dict) -> RunCard:
    """`card` with the fields in `changes` (dotted path -> value, as the page's sliders and
    switches give them) set: an override the card had for a changed field is replaced, and a
    field set back to the scenario's own value needs no override. Raises CardError on a value
    out of its field's range."""
    base = get_scenario(card.scenario)
    sets = {o.split("=", 1)[0]: o for o in card.overrides}
    for path, value in changes.items():
        try:
            cur, _ = _leaf(base, path)
        except (StopIteration, KeyError):
            raise CardError(f"set: no field {path!r} in scenario {card.scenario!r}",
                            "set") from None
        if isinstance(cur, bool):
            value = bool(value)
        elif isinstance(cur, int):
            value = int(round(value))
        sets.pop(path, None)
        if value != cur:
            sets[path] = f"{path}={json.dumps(value)}"
    new = dataclasses.replace(card, overrides=tuple(sets.values()))
    try:
        new.build()
    except ParamError as e:
        raise CardError(f"set: {e}", "set") from None
    return new


def _leaf(obj, path: str):
    """(value, ParamSpec) of the field at `path` under the dataclass `obj` (shocks by name)."""
    node, spec = obj, None
    for part in path.split("."):
        if isinstance(node, tuple):
            node = next(x for x in node if getattr(x, "name", None) == part)
            spec = None
            continue
        f = {f.name: f for f in dataclasses.fields(node)}[part]
        spec = next((v for v in f.metadata.values() if isinstance(v, ParamSpec)), None)
        node = getattr(node, part)
    return node, spec


def _knob(sc, path: str, label: str) -> Knob | None:
    try:
        value, spec = _leaf(sc, path)
    except (StopIteration, KeyError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or spec is None:
        return None
    if spec.lo is None or spec.hi is None:
        return None
    integer = isinstance(value, int)
    lo, hi = float(spec.lo), float(spec.hi)
    if path.endswith(".count"):
        hi = min(hi, max(COUNT_SPAN * float(value), lo + 10))
    elif hi - lo > 100 and not integer:  # open-ended physical ranges: a span around the value
        hi = min(hi, max(COUNT_SPAN * abs(float(value)), lo + 10))
    span = hi - lo
    step = 1.0 if integer else float(10 ** np.floor(np.log10(span / 100.0)))
    return Knob(path, label, value, lo, hi, step, integer)


def lesson_knobs(sc) -> list[Knob]:
    """The sliders a lesson varies for scenario `sc`: its main shock's size, reach, spread,
    Jevons share (or its tariff rate, lost share, weeks), then leverage limit, market makers'
    withdrawal and population counts. Ranges are the fields' own specs (counts capped at
    COUNT_SPAN x the scenario's value)."""
    knobs = []
    main = main_shock(sc)
    if main is not None:
        for f in _SHOCK_FIELDS:
            k = _knob(sc, f"shocks.{main.name}.{f}", f"{main.name}: {f.replace('_', ' ')}")
            if k is not None:
                knobs.append(k)
    for path, label in _WORLD_FIELDS:
        k = _knob(sc, path, label)
        if k is not None:
            knobs.append(k)
    return knobs


def main_shock(sc):
    """The shock a lesson is about: the one named like the scenario, else the first one."""
    shocks = [s for s in sc.shocks if getattr(s, "enabled", True)]
    for s in shocks:
        if s.name == sc.name:
            return s
    return shocks[0] if shocks else None


def shock_minutes(sc) -> list[int]:
    """Global minutes (day x 390 + minute; before the open = the day's minute 0) at which the
    scenario's enabled shocks fire, sorted."""
    return sorted({s.day * MINUTES + max(s.minute, 0) for s in sc.shocks
                   if getattr(s, "enabled", True) and s.day < sc.days})


def clock_text(start_date: str, days: int, t: int) -> str:
    """'Mon 27 Jan 10:41' for the t-th minute stepped (0 = before the first open)."""
    from scenarios.engine.calendar import trading_dates

    dates = trading_dates(start_date, days)
    if t <= 0:
        return f"{_day(dates[0])} before the open"
    g = t - 1
    d, m = divmod(g, MINUTES)
    if d >= len(dates):
        return f"{_day(dates[-1])} closed"
    hh, mm = divmod(9 * 60 + 30 + m + 1, 60)
    return f"{_day(dates[d])} {hh:02d}:{mm:02d}"


def _day(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%a %d %b")


def day_label(iso: str) -> str:
    """'Thu 23 Jan' for an ISO date."""
    return _day(iso)


def _previous_trading_day(iso: str) -> str:
    """The trading day before `iso` (weekends and the exchange's holidays skipped)."""
    from scenarios.engine.calendar import trading_dates

    d = dt.date.fromisoformat(iso)
    for _ in range(10):
        d -= dt.timedelta(days=1)
        if trading_dates(d.isoformat(), 1)[0] == d.isoformat():
            return d.isoformat()
    return d.isoformat()  # pragma: no cover - no ten-day closure in the calendar


def _motive_name(k: int) -> str:
    try:
        return Motive(k).name.lower()
    except ValueError:  # a motive added to the tape after this module was written
        return f"motive {k}"


class ClassroomModel(Model):
    """A run and its twin stepped in lockstep: one `step()` is one minute of both.

    Keyword arguments are what the page's controls set: ``preset`` (scenario name), ``seed``,
    ``overrides`` (tuple of ``PATH=VALUE``), ``twin`` (a key of TWINS), and any dotted scenario
    path (a slider or a channel switch) whose value joins the overrides when it differs from
    the scenario's. Attributes: ``card`` (RunCard), ``main`` and ``twin_model``
    (SelloffModel, None for "no twin"), ``sc`` (the main run's scenario object), ``t`` (minutes
    stepped), ``lev_history`` ([t, (median, max)] leveraged funds' leverage as a share of each
    fund's own limit: margin funds 3.2x, long-only funds 1x), ``lock`` (held
    by ``step``; hold it to read several of these as of one minute).
    """

    def __init__(self, preset: str = "deepseek", seed: int = 0, overrides=(),
                 twin: str = "supply network off", **kwargs):
        super().__init__(rng=int(seed))  # rng=: Mesa 3.5 deprecates seed= (same draws on 3.3)
        # Mesa 3.5's Reset also passes its own `scenario` object (Mesa's, not ours): the run
        # is named by the card alone
        kwargs.pop("scenario", None)
        base = get_scenario(preset)
        extra = []
        for path, value in kwargs.items():  # Mesa passes the page's inputs by name
            cur, _ = _leaf(base, path)
            if isinstance(cur, bool):
                value = bool(value)
            elif isinstance(cur, int):
                value = int(round(value))
            if value != cur:
                extra.append(f"{path}={json.dumps(value)}")
        # the URL's own overrides win over a slider left at its default
        given = {o.split("=", 1)[0] for o in overrides}
        extra = [o for o in extra if o.split("=", 1)[0] not in given]
        self.card = RunCard(preset, int(seed), tuple(overrides) + tuple(extra), twin)
        self.sc = self.card.build()
        self.main = SelloffModel(self.sc, self.card.seed)
        twin_sets = TWINS[twin]
        if twin_sets is None:
            twin_sets = [f"shocks.{s.name}.enabled=false" for s in self.sc.shocks]
        self.twin_model = None
        if twin != "no twin":
            tsc = dataclasses.replace(apply_overrides(self.sc, twin_sets), seed=self.card.seed)
            self.twin_model = SelloffModel(tsc, self.card.seed)
        self.t = 0
        self.shock_at = shock_minutes(self.sc)
        ns = len(self.main.tickers)
        self.lev_history = np.full((self.sc.days * MINUTES, 2), np.nan)
        self._lev_idx = _kind_index(self.main, "leveraged")
        #: each fund's own limit (x equity): margin funds the scenario's, long-only funds 1
        self.lev_limits = self.main.inv.par[
            self._lev_idx, SCHEMAS[Kind.LEVERAGED].column("leverage_limit")]
        self._lev_redeem = self.main.inv.par[
            self._lev_idx, SCHEMAS[Kind.LEVERAGED].column("redemption")]
        self.prev_close = self.main.prev_close0.astype(float)
        self._ns = ns
        self.lock = threading.RLock()
        self.running = True

    def release(self) -> None:
        """Let this run be freed once nothing else holds it: Mesa 3.3's ``Agent._ids`` keeps a
        reference to every model it numbered agents for (mesa#3179, fixed in Mesa 3.4), so
        without this a page's run (about 250 MB at full size) outlives the page."""
        from mesa import Agent

        ids = getattr(Agent, "_ids", None)
        if isinstance(ids, dict):
            for m in (self, self.main, self.twin_model):
                ids.pop(m, None)

    # -- stepping ------------------------------------------------------------------------------

    def step(self):
        """One minute of the main run and of its twin (under ``lock``: the page's play thread
        steps while views read; a view reads under the same lock and sees whole minutes)."""
        with self.lock:
            if not self.main.running:
                self.running = False
                return
            self.main.step()
            if self.twin_model is not None and self.twin_model.running:
                self.twin_model.step()
            lev = self.leverage() / self.lev_limits
            if lev.size:
                self.lev_history[self.t] = (np.median(lev), lev.max())
            self.t += 1
            self.running = self.main.running

    def next_shock(self) -> int | None:
        """The global minute of the next shock not yet stepped, or None."""
        return next((g for g in self.shock_at if g >= self.t), None)

    def run_to_next_shock(self, max_steps: int | None = None) -> int:
        """Step until the next shock has fired (its minute stepped); return the steps taken."""
        g = self.next_shock()
        if g is None:
            return 0
        n = 0
        while self.running and self.t <= g and (max_steps is None or n < max_steps):
            self.step()
            n += 1
        return n

    def step_to(self, target: int, progress=None, stop=None) -> int:
        """Step until ``t == target`` (or the run ends); return the steps taken.

        ``progress(done, total)`` is called after each minute; ``stop()`` returning True ends
        the stepping early (the page went away). Each minute takes ``lock`` on its own, so views
        read whole minutes meanwhile.
        """
        total = max(0, int(target) - self.t)
        n = 0
        while self.running and self.t < target:
            if stop is not None and stop():
                break
            self.step()
            n += 1
            if progress is not None:
                progress(n, total)
        return n

    # -- where a lecturer jumps ----------------------------------------------------------------

    def shock_day(self) -> int:
        """The day of the lesson's main shock (`main_shock`), 0 if the scenario has none."""
        s = main_shock(self.sc)
        return int(s.day) if s is not None and s.day < self.sc.days else 0

    def before_open(self, day: int) -> int:
        """The minute count at which day `day`'s opening auction is next: the day before it has
        closed, and nothing of the day (its overnight news, its pre-open call) has happened."""
        return int(day) * MINUTES

    def next_close(self) -> int:
        """The minute count at the close of the day now trading (the next day's close when a
        day has just closed); at most the run's end."""
        end = self.sc.days * MINUTES
        return min(end, (self.t // MINUTES + 1) * MINUTES)

    def day_shown(self) -> int:
        """The trading day of the last minute stepped (0 before the first open)."""
        return max(0, (self.t - 1) // MINUTES) if self.t else 0

    # -- what the views show (computed from the models' public attributes) ----------------------

    def base_date(self) -> str:
        """The trading day before the run's first (ISO date): the close every price path is
        measured from (`rel_paths`)."""
        return _previous_trading_day(self.sc.start_date)

    def rel_paths(self, model=None) -> np.ndarray:
        """[t, stock] minute closes against the close before the run's first day
        (`base_date`), percent."""
        m = self.main if model is None else model
        close = m.bars[: self.t, :, BAR.close].astype(float)
        return (close / self.prev_close[None, :] - 1.0) * 100.0

    def prev_day_close(self, day: int, model=None) -> np.ndarray:
        """Each stock's close (ticks) the day before trading day `day` (the close before the
        run for day 0)."""
        m = self.main if model is None else model
        if day <= 0:
            return m.prev_close0.astype(float)
        return m.daily[day - 1, :, DAY.close].astype(float)

    def moves(self, model=None) -> np.ndarray:
        """Each stock's move on the day shown (`day_shown`): its last price against the previous
        trading day's close, percent (0 before any step). At a close, the whole day's move."""
        m = self.main if model is None else model
        if not self.t:
            return np.zeros(self._ns)
        last = m.bars[self.t - 1, :, BAR.close].astype(float)
        return (last / self.prev_day_close(self.day_shown(), m) - 1.0) * 100.0

    def net_by_motive(self, day: int) -> dict[str, float]:
        """Net dollars bought (+) or sold (-) by motive on trading day `day` (all stocks, up to
        the last minute stepped): each minute's shares bought minus sold, valued at that
        minute's close. Every trade has a buyer and a seller, so the values sum to zero up to
        rounding; market makers, who buy as much as they sell, come out near zero."""
        a, b = day * MINUTES, min(self.t, (day + 1) * MINUTES)
        m = self.main
        out = {}
        if b <= a:
            return {_motive_name(k): 0.0 for k in range(m.motive_volume.shape[2])}
        mv = m.motive_volume[a:b]
        net = (mv[..., BOUGHT] - mv[..., SOLD]).astype(float)  # [minute, stock, motive] shares
        px = m.bars[a:b, :, BAR.close].astype(float) / 100.0  # dollars
        dollars = np.einsum("tsm,ts->m", net, px)
        for k in range(mv.shape[2]):
            out[_motive_name(k)] = float(dollars[k])
        return out

    def traded_by_motive(self, day: int) -> dict[str, int]:
        """Shares bought plus sold by motive on trading day `day` (all stocks): which motives
        trade at all (a motive that never trades is left off the chart)."""
        a, b = day * MINUTES, min(self.t, (day + 1) * MINUTES)
        mv = self.main.motive_volume[a:max(a, b)].sum(axis=(0, 1, 3))
        return {_motive_name(k): int(mv[k]) for k in range(mv.size)}

    def leverage(self) -> np.ndarray:
        """Each leveraged fund's gross exposure over its equity at last prices (x), the equity
        as the margin check counts it: less the redemptions its losses bring,
        ``E - redemption * max(0, E0 - E)`` (agents/_kernels.py `_basket`), so a fund is
        forced to sell exactly when this passes its limit."""
        i = self._lev_idx
        if i.size == 0:
            return np.zeros(0)
        ex = self.main.exchange
        px = self.main.last_prices()
        sh = ex.shares[i].astype(float)
        gross = np.abs(sh) @ px
        equity = ex.cash[i] / 100.0 + sh @ px
        start = self.main.inv.capital[i] / 100.0
        equity = equity - self._lev_redeem * np.maximum(0.0, start - equity)
        with np.errstate(divide="ignore", invalid="ignore"):
            lev = np.where(equity > 0, gross / equity, np.inf)
        return lev

    def bars_csv(self) -> bytes:
        """The minute bars stepped so far as CSV (the bars.parquet columns), as of one
        minute (read under ``lock``)."""
        from scenarios.engine.calendar import trading_dates
        from scenarios.studies.run import RunResult, bars_frame

        with self.lock:
            m = self.main
            t = self.t
            days_done = max(1, -(-t // MINUTES))
            res = RunResult(scenario=self.sc, seed=self.card.seed,
                            dates=trading_dates(self.sc.start_date, self.sc.days)[:days_done],
                            tickers=m.tickers, roles=m.roles, prev_close=m.prev_close0,
                            daily=m.daily[:days_done].copy(),
                            bars=m.bars[: days_done * MINUTES].copy(),
                            motive_volume=m.motive_volume, events=list(m.events),
                            statements={}, halts=list(m.halts), decisions=0, orders=0,
                            wall_s=0.0)
        df = bars_frame(res).iloc[: t * len(m.tickers)]
        return df.to_csv(index=False).encode()

    def last_trades(self, stock: int, n: int = 12) -> list[tuple[int, int, int]]:
        """The last minute bars of `stock` with trades: (global minute, close ticks, volume)."""
        b = self.main.bars[: self.t, stock]
        rows = np.flatnonzero(b[:, BAR.volume] > 0)[-n:]
        return [(int(g), int(b[g, BAR.close]), int(b[g, BAR.volume])) for g in rows[::-1]]

    @property
    def y_range(self) -> tuple[float, float]:
        """Fixed y-limits of the price chart (%): -25..+10, widened in 10-point steps only when
        the run leaves them, so the axes stay still while the page plays."""
        r = self.rel_paths()
        lo, hi = -25.0, 10.0
        if r.size:
            lo = min(lo, 10.0 * np.floor(np.nanmin(r) / 10.0) - 2.0)
            hi = max(hi, 10.0 * np.ceil(np.nanmax(r) / 10.0) + 2.0)
        return lo, hi

    @property
    def diff_range(self) -> float:
        """Half-height of the difference chart (percentage points): 5, or the next multiple of
        5 above the largest difference so far."""
        if self.twin_model is None or not self.t:
            return 5.0
        d = np.nanmax(np.abs(self.rel_paths() - self.rel_paths(self.twin_model)))
        return float(max(5.0, 5.0 * np.ceil((d + 0.5) / 5.0)))

    def layout(self) -> dict:
        """Node positions of the supply network: columns from upstream (tools, foundry) to the
        buyers of compute; computed once per run."""
        if getattr(self, "_pos", None) is None:
            uni = self.main.universe
            cols: dict[int, list] = {}
            for n in self.main.graph.nodes:
                try:
                    role = uni.roles[uni.index(n)]
                except (ValueError, KeyError, IndexError):
                    role = ""
                cols.setdefault(_COLUMN.get(role, 2), []).append(n)
            pos = {}
            for c, ns in cols.items():
                for k, n in enumerate(sorted(ns)):
                    pos[n] = (float(c), (k - (len(ns) - 1) / 2.0))
            self._pos = pos
        return self._pos

    def event_lines(self) -> list[str]:
        """The events so far: shocks as they fired, firms' statements, halts (oldest first)."""
        from scenarios.engine.calendar import trading_dates

        dates = trading_dates(self.sc.start_date, self.sc.days)

        def when(d, m):
            t = "before the open" if m < 0 else f"{9 + (30 + m) // 60:02d}:{(30 + m) % 60:02d}"
            return f"{_day(dates[d])} {t}"

        rows = [((d, m), f"{when(d, m)}: {name}: {text}")
                for d, m, name, _k, text in self.main.events]
        for tk, f in self.main.firms.items():
            for d, m, text in getattr(f, "statements", []):
                rows.append(((d, m), f"{when(d, m)}: {tk} says: {text}"))
        for d, m, level in self.main.halts:
            rows.append(((d, m), f"{when(d, m)}: market-wide halt, level {int(level)}"))
        return [r for _, r in sorted(rows, key=lambda x: x[0])]


#: the supply network's columns by role, upstream (0) to buyers of compute (4)
_COLUMN = {"equipment": 0, "foundry": 1, "memory": 1, "ip_licensor": 1, "chip_designer": 2,
           "server_oem": 3, "power": 3, "hyperscaler": 4, "cloud": 4, "big_tech": 4}


def _kind_index(model, name: str) -> np.ndarray:
    """Indices of the investors of one kind, read through the Mesa agents (the public view)."""
    from scenarios.engine.model import Investor

    idx = [a.index for a in model.agents if isinstance(a, Investor) and a.kind == name]
    return np.asarray(sorted(idx), np.int64)
