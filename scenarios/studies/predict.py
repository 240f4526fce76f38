"""What the model predicts: median moves over seeds for every stock and day after the shock.

The DeepSeek scenario is calibrated on Nvidia's 27 January alone; every other number here (the
other stocks' 27 January, every stock's 28-31 January) is a prediction from the mechanisms, made
without looking at what happened. `predict(scenario, seeds)` runs the scenario to its end for
each seed and returns the median (and the 25th and 75th percentiles) over seeds of each day's
close-to-close return per stock, in percent.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from agents.params import to_dict

__all__ = ["predict", "format_predictions", "CALIBRATED"]

#: (ticker, date) fitted to: not a prediction
CALIBRATED = {("NVDA", "2025-01-27")}


def _returns(m) -> list:
    """The measure of one run: its close-to-close returns [day, stock]."""
    from scenarios.studies.run import result_of

    return result_of(m).close_returns().tolist()


def predict(scenario, seeds, workers: int = 1, first_day: int | None = None,
            scheduler: str | None = None, progress: bool = False, store=None) -> dict:
    """Close-to-close returns (%) per day from `first_day` (default: the shock day,
    scenarios.studies.attribute.shock_day) and stock: median and quartiles over `seeds` (each a full
    run of `scenario`, through the ensemble runner; kept in `store`, a
    `scenarios.studies.ensemble.Store`, if given, so that a rerun resumes)."""
    from scenarios.engine.calendar import trading_dates
    from scenarios.studies.ensemble import Job, job_id, run_ensemble, values

    if first_day is None:
        from scenarios.studies.attribute import shock_day

        first_day = shock_day(scenario)
    jobs = [Job(job_id("predict", to_dict(scenario), s), s, s,
                dataclasses.replace(scenario, seed=s)) for s in seeds]
    rows = run_ensemble(jobs, _returns, store=store, workers=workers, scheduler=scheduler,
                        progress=progress, label="predict")
    rets = 100.0 * np.array(values(rows))[:, first_day:]  # [seed, day, stock]
    dates = trading_dates(scenario.start_date, scenario.days)[first_day:]
    tickers = list(scenario.tickers)
    q25, med, q75 = np.percentile(rets, [25, 50, 75], axis=0)

    def table(a):
        return {d: {t: float(a[i, j]) for j, t in enumerate(tickers)}
                for i, d in enumerate(dates)}

    return {"scenario": scenario.name, "seeds": list(seeds), "dates": list(dates),
            "tickers": tickers, "median_pct": table(med), "q25_pct": table(q25),
            "q75_pct": table(q75),
            "calibrated": sorted(f"{t} {d}" for t, d in CALIBRATED if d in dates)}


def format_predictions(res: dict) -> str:
    """Median close-to-close return (%) per stock (rows) and day (columns); the one calibrated
    cell is marked with a *."""
    dates = res["dates"]
    rows = [f"{'':<6}" + "".join(f"{d[5:]:>9}" for d in dates)]
    for t in res["tickers"]:
        cells = []
        for d in dates:
            v = res["median_pct"][d][t]
            mark = "*" if (t, d) in CALIBRATED else " "
            cells.append(f"{v:>+8.1f}{mark}")
        rows.append(f"{t:<6}" + "".join(cells))
    return "\n".join(rows)
