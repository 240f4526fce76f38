"""One run of a scenario and its files: `run(scenario, seed) -> RunResult`, `write_outputs`.

Files (the formats other tools read):

- ``summary.json``: ``{"scenario", "seed", "dates", "prev_close", "tickers": {T: {"open",
  "high", "low", "close", "volume"}}, "parameters"}``, one entry per simulated day, prices in
  dollars; ``prev_close`` is the close before the first simulated day (the universe's reference
  prices). The same scenario, seed and overrides give the same bytes in any process.
- ``bars.parquet``: one-minute bars, columns ``timestamp`` (New York time), ``ticker``, ``open``,
  ``high``, ``low``, ``close``, ``volume``, ``trades``.
- ``events.json``: the shocks as they fired, and what the firms said.

The chart, ``price_paths.png``, is drawn by ``viz.paths.plot_price_paths``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from agents.params import to_dict
from market.types import BAR, DAY
from scenarios.engine.calendar import trading_dates
from scenarios.engine.simulation import MINUTES, Simulation
from scenarios.studies.outputs import RUN_FILES, atomic_text, strict_json

__all__ = ["RunResult", "run", "result_of", "write_outputs", "summary_dict", "daily_returns",
           "ROLE_GROUPS", "RUN_FILES"]

#: how price_paths.png groups the universe's roles
ROLE_GROUPS = (
    ("AI chip designers", ("chip_designer", "ip_licensor")),
    ("Foundry, tools, memory, servers", ("foundry", "equipment", "memory", "server_oem")),
    ("Buyers of compute", ("hyperscaler", "cloud", "big_tech")),
    ("Power for data centres", ("power",)),
)


@dataclasses.dataclass
class RunResult:
    """What a run produced. Prices in cents (int64) unless a name says dollars."""

    scenario: object
    seed: int
    dates: list[str]
    tickers: tuple[str, ...]
    roles: tuple[str, ...]
    prev_close: np.ndarray  # cents, before the first day
    daily: np.ndarray  # [day, stock, (open, high, low, close, volume)]
    bars: np.ndarray  # [minute, stock, (open, high, low, close, volume, trades)]
    motive_volume: np.ndarray  # [minute, stock, motive, (bought, sold)]
    events: list  # (day, minute, name, type, text)
    statements: dict  # ticker -> [(day, minute, text)]
    halts: list
    decisions: int
    orders: int
    wall_s: float

    def close_returns(self) -> np.ndarray:
        """Close-to-close returns [day, stock] (fractions)."""
        close = self.daily[:, :, DAY.close].astype(float)
        prev = np.vstack([self.prev_close[None, :].astype(float), close[:-1]])
        return close / prev - 1.0


def result_of(m, wall_s: float = float("nan")) -> RunResult:
    """What a `Simulation` that has run produced, as a RunResult (the measure of `selloff run`
    and of every study that keeps whole runs)."""
    sc = m.spec
    return RunResult(
        scenario=sc, seed=int(sc.seed), dates=trading_dates(sc.start_date, sc.days),
        tickers=m.tickers, roles=m.roles, prev_close=m.prev_close0.copy(), daily=m.daily.copy(),
        bars=m.bars, motive_volume=m.motive_volume, events=list(m.events),
        statements={t: list(f.statements) for t, f in m.firms.items() if f.statements},
        halts=list(m.halts), decisions=int(m.counts[0]), orders=int(m.exchange.pool.meta[1]),
        wall_s=wall_s,
    )


def run(scenario, seed: int | None = None, progress: bool = False) -> RunResult:
    """Run `scenario` (with `seed`, default its own) to the end in this process: a `Simulation`
    (no Mesa: the same bars as `scenarios.engine.model.SelloffModel` gives). Errors are raised; a
    study's runs go through `scenarios.studies.ensemble.run_ensemble`, which makes them rows."""
    seed = scenario.seed if seed is None else int(seed)
    scenario = dataclasses.replace(scenario, seed=seed)
    t = time.perf_counter()
    m = Simulation(scenario, seed)
    m.run(progress=progress)
    return result_of(m, time.perf_counter() - t)


def summary_dict(res: RunResult) -> dict:
    """The summary.json document (see the module docstring)."""
    d = res.daily
    tick = {}
    for j, t in enumerate(res.tickers):
        tick[t] = {k: [int(x) / 100 for x in d[:, j, getattr(DAY, k)]]
                   for k in ("open", "high", "low", "close")}
        tick[t]["volume"] = [int(x) for x in d[:, j, DAY.volume]]
    return {
        "scenario": res.scenario.name,
        "seed": int(res.seed),
        "dates": list(res.dates),
        "prev_close": {t: int(res.prev_close[j]) / 100 for j, t in enumerate(res.tickers)},
        "tickers": tick,
        "parameters": to_dict(res.scenario),
    }


def bars_frame(res: RunResult):
    """One-minute bars as a DataFrame (the bars.parquet columns)."""
    import pandas as pd

    n_min, ns, _ = res.bars.shape
    day_start = pd.DatetimeIndex([pd.Timestamp(f"{d} 09:30", tz="America/New_York")
                                  for d in res.dates])
    stamps = (day_start.repeat(MINUTES)
              + pd.to_timedelta(np.tile(np.arange(MINUTES), len(res.dates)), unit="min"))
    b = res.bars.reshape(n_min * ns, len(BAR))
    return pd.DataFrame({
        "timestamp": stamps.repeat(ns),
        "ticker": pd.Categorical(np.tile(np.asarray(res.tickers), n_min),
                                 categories=list(res.tickers)),
        **{k: b[:, getattr(BAR, k)] / 100.0 for k in ("open", "high", "low", "close")},
        "volume": b[:, BAR.volume],
        "trades": b[:, BAR.trades],
    })


def daily_returns(res: RunResult) -> str:
    """A table of close-to-close returns per stock and day, percent."""
    r = res.close_returns() * 100
    head = f"{'':<6}" + "".join(f"{d[5:]:>8}" for d in res.dates)
    rows = [head]
    for j, t in enumerate(res.tickers):
        rows.append(f"{t:<6}" + "".join(f"{x:>+8.1f}" for x in r[:, j]))
    return "\n".join(rows)


def write_outputs(res: RunResult, out: Path) -> dict[str, Path]:
    """Write summary.json, bars.parquet and events.json (the plot is viz.paths'), each whole.

    For a folder that is complete or absent, write into `scenarios.studies.outputs.staged(out)`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    files["summary"] = atomic_text(out / "summary.json", strict_json(summary_dict(res)))
    tmp = out / "bars.parquet.tmp"
    bars_frame(res).to_parquet(tmp, index=False)
    tmp.replace(out / "bars.parquet")
    files["bars"] = out / "bars.parquet"
    ev = {"events": [dict(day=d, date=res.dates[d], minute=m, name=n, type=k, text=x)
                     for d, m, n, k, x in res.events],
          "statements": {t: [dict(day=d, minute=m, text=x) for d, m, x in v]
                         for t, v in res.statements.items()},
          "halts": [dict(day=d, minute=m, level=int(lv)) for d, m, lv in res.halts]}
    files["events"] = atomic_text(out / "events.json", strict_json(ev))
    return files
