"""What the model predicts: median moves over seeds for every stock and day after the shock.

The DeepSeek scenario is calibrated on Nvidia's 27 January alone; every other number here (the
other stocks' 27 January, every stock's 28-31 January) is a prediction from the mechanisms, made
without looking at what happened. `predict(scenario, seeds)` runs the scenario to its end for
each seed and returns the median (and the 25th and 75th percentiles) over seeds of each day's
close-to-close return per stock, in percent.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

__all__ = ["predict", "format_predictions", "CALIBRATED"]

#: (ticker, date) fitted to: not a prediction
CALIBRATED = {("NVDA", "2025-01-27")}


def _one(args):
    scenario, seed = args
    from scenarios.run import run

    res = run(scenario, seed)
    return res.close_returns(), res.dates, res.tickers


def predict(scenario, seeds, workers: int = 1, first_day: int | None = None) -> dict:
    """Close-to-close returns (%) per day from `first_day` (default: the shock day,
    scenarios.attribute.shock_day) and stock: median and quartiles over `seeds` (each a full
    run of `scenario`)."""
    if first_day is None:
        from scenarios.attribute import shock_day

        first_day = shock_day(scenario)
    jobs = [(scenario, s) for s in seeds]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outs = list(pool.map(_one, jobs))
    else:
        outs = [_one(j) for j in jobs]
    rets = 100.0 * np.stack([o[0] for o in outs])[:, first_day:]  # [seed, day, stock]
    dates, tickers = outs[0][1][first_day:], list(outs[0][2])
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
