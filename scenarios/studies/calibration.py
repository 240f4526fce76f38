"""The DeepSeek calibration targets (Nvidia, 27 January 2025) and how a run is measured on them.

Targets are medians over seeds (BACKGROUND.md): close-to-close return -17% within 2.5 points;
open gap -12.5% within 3 points; the close in the lowest 35% of the day's range; volume at least
2.5x the scenario's own 24 January volume (real: 818.8M against 234.7M, 3.5x).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from agents.params import to_dict
from market.types import DAY

__all__ = ["TARGETS", "day_stats", "measure", "verdicts", "format_report"]

#: name -> (low, high, what it is)
TARGETS = {
    "return_pct": (-19.5, -14.5, "close-to-close return, % (real -16.97)"),
    "gap_pct": (-15.5, -9.5, "open against previous close, % (real -12.5)"),
    "close_in_range": (0.0, 0.35, "close's place in the day's range, 0 = low (real 0.15)"),
    "volume_multiple": (2.5, np.inf, "volume / scenario's 24 January volume (real 3.5)"),
}


def day_stats(res, ticker: str = "NVDA", day: int = 1, ref_day: int = 0) -> dict:
    """The four calibration measures of `ticker` on `day` of a run
    (scenarios.studies.run.RunResult)."""
    j = res.tickers.index(ticker)
    o, h, lo, c, v = (float(res.daily[day, j, k])
                      for k in (DAY.open, DAY.high, DAY.low, DAY.close, DAY.volume))
    prev = float(res.daily[day - 1, j, DAY.close]) if day > 0 else float(res.prev_close[j])
    return {
        "return_pct": 100.0 * (c / prev - 1.0),
        "gap_pct": 100.0 * (o / prev - 1.0),
        "close_in_range": (c - lo) / (h - lo) if h > lo else 0.5,
        "volume_multiple": v / max(1.0, float(res.daily[ref_day, j, DAY.volume])),
    }


def _stats(m) -> dict:
    """The measure of one run (a Simulation that has run): Nvidia's 27 January."""
    from scenarios.studies.run import result_of

    return day_stats(result_of(m))


def measure(scenario, seeds, workers: int = 1, scheduler: str | None = None,
            progress: bool = False, store=None) -> list[dict]:
    """Run `scenario` up to 27 January (two days) for each seed; the measures per seed.

    The runs go through the ensemble runner (`scenarios.studies.ensemble`), kept in `store` (a
    `scenarios.studies.ensemble.Store`; a rerun resumes) if given; a run that fails is a `RunFailed`
    naming its seed."""
    from scenarios.studies.ensemble import Job, job_id, run_ensemble, values

    sc = dataclasses.replace(scenario, days=2)
    jobs = [Job(job_id("calibrate", to_dict(sc), s), s, s, dataclasses.replace(sc, seed=s))
            for s in seeds]
    rows = run_ensemble(jobs, _stats, store=store, workers=workers, scheduler=scheduler,
                        progress=progress, label="calibrate")
    return values(rows)


def verdicts(stats: list[dict]) -> dict:
    """Median of each measure over seeds and whether it is within its target."""
    out = {}
    for k, (lo, hi, doc) in TARGETS.items():
        med = float(np.median([s[k] for s in stats]))
        out[k] = {"median": med, "low": lo, "high": hi, "pass": bool(lo <= med <= hi),
                  "doc": doc}
    return out


def format_report(stats: list[dict]) -> str:
    """The table `selloff calibrate` prints: each measure's median, target, verdict and seeds."""
    v = verdicts(stats)
    rows = [f"{'measure':<17}{'median':>9}{'target':>17}  ok   per seed"]
    for k, r in v.items():
        hi = "inf" if not np.isfinite(r["high"]) else f"{r['high']:g}"
        band = "[" + f"{r['low']:g}, " + hi + "]"
        per = " ".join(f"{s[k]:.2f}" for s in stats)
        rows.append(f"{k:<17}{r['median']:>9.2f}{band:>17}  "
                    f"{'yes' if r['pass'] else 'NO ':<4} {per}")
    return "\n".join(rows)
