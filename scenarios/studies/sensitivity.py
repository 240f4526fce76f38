"""Sensitivity of a Sobol or Morris batch: SALib's indices per parameter and outcome.

An outcome is ``TICKER.MEASURE@DATE`` with MEASURE one of ``return`` (close against the previous
close), ``trough`` (the day's low against the previous close), ``gap`` (the open against the
previous close), all fractions, or ``volume`` (shares); e.g. ``NVDA.return@2025-01-27``. Each
design point's outcome is its mean over the batch's seeds (common random numbers); a point whose
runs all failed makes the analysis refuse.

Sobol: first-order S1 and total ST with 95% confidence intervals (SALib's bootstrap); Morris:
mu* (mean absolute elementary effect, in the outcome's units) with its confidence interval, and
sigma.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "SensitivityError", "analyze", "format_table", "outcome_values",
           "parse_outcome", "write"]

MEASURES = ("return", "trough", "gap", "volume")
_EXPR = re.compile(r"^([A-Z][A-Z0-9.]{0,9})\.(\w+)@(\d{4}-\d{2}-\d{2})$")


class SensitivityError(ValueError):
    """Bad outcome expression or a batch that cannot be analysed; names the field."""


def parse_outcome(expr: str, tickers, dates) -> tuple[str, str, str]:
    """``(ticker, measure, date)`` from ``TICKER.MEASURE@YYYY-MM-DD``, checked against the batch."""
    m = _EXPR.match(expr.strip())
    if not m:
        raise SensitivityError(f"--outcome: expected TICKER.MEASURE@YYYY-MM-DD with MEASURE one "
                               f"of {', '.join(MEASURES)} (got {expr!r})")
    t, meas, d = m.groups()
    if meas not in MEASURES:
        raise SensitivityError(f"--outcome: measure must be one of {', '.join(MEASURES)} "
                               f"(got {meas!r})")
    if t not in tickers:
        raise SensitivityError(f"--outcome: ticker must be one of {', '.join(tickers)} "
                               f"(got {t!r})")
    if d not in dates:
        raise SensitivityError(f"--outcome: date must be one of {', '.join(dates)} (got {d!r})")
    return t, meas, d


def outcome_values(res, expr: str) -> np.ndarray:
    """One value per design point: the outcome's mean over that point's ok runs."""
    daily = res.daily.copy()
    daily["d"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d")
    tickers = list(dict.fromkeys(daily["ticker"]))
    dates = sorted(daily["d"].unique())
    t, meas, d = parse_outcome(expr, tickers, dates)
    x = daily[daily["ticker"] == t].sort_values(["run_id", "d"])
    x["prev"] = x["close"] / (1.0 + x["return"])
    val = {"return": x["return"], "trough": x["low"] / x["prev"] - 1.0,
           "gap": x["open"] / x["prev"] - 1.0, "volume": x["volume"].astype(float)}[meas]
    x = x.assign(v=val)
    x = x[x["d"] == d].set_index("run_id")["v"]
    runs = res.runs[res.runs["status"] == "ok"]
    per_run = runs.assign(v=runs["run_id"].map(x))
    by_point = per_run.groupby("point")["v"].mean()
    # equal design points share their runs (batch.json's same_as): look values up by the row
    rows = [tuple(r) for r in res.meta["design"]["rows"]]
    by_row = {rows[int(p)]: v for p, v in by_point.items()}
    y = np.array([by_row.get(r, np.nan) for r in rows], float)
    if np.isnan(y).any():
        miss = int(np.flatnonzero(np.isnan(y))[0])
        raise SensitivityError(f"DIR: design point {miss} has no finished ok run; rerun the batch "
                               "to complete it")
    return y


def analyze(res, outcomes: list[str] | None = None, seed: int = 0) -> dict:
    """SALib's indices for each outcome of the batch ``res`` (scenarios.studies.batch.BatchResult).

    Returns:
        ``{"method", "parameters", "outcomes": {expr: {param: {...indices}}}}``.
    """
    sample = res.meta.get("sample") or {}
    method = sample.get("method")
    if method not in ("sobol", "morris"):
        raise SensitivityError("DIR: not a Sobol or Morris batch (selloff batch --sample sobol|"
                               f"morris); this one's design is {method or 'a grid or none'}")
    names = list(sample["ranges"])
    problem = {"num_vars": len(names), "names": names,
               "bounds": [sample["ranges"][k] for k in names]}
    if not outcomes:
        dates = sorted(pd.to_datetime(res.daily["date"]).dt.strftime("%Y-%m-%d").unique())
        if not dates:
            raise SensitivityError("DIR: the batch has no finished run")
        outcomes = [f"NVDA.return@{dates[-1]}", f"NVDA.trough@{dates[-1]}"]
    out = {"method": method, "parameters": names, "points": sample["points"],
           "seeds": res.meta["seeds"], "outcomes": {}}
    X = np.asarray(res.meta["design"]["rows"], float)
    for expr in outcomes:
        y = outcome_values(res, expr)
        if method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, y, calc_second_order=True, seed=seed)
            out["outcomes"][expr] = {k: {"S1": float(si["S1"][i]),
                                         "S1_conf": float(si["S1_conf"][i]),
                                         "ST": float(si["ST"][i]),
                                         "ST_conf": float(si["ST_conf"][i])}
                                     for i, k in enumerate(names)}
        else:
            from SALib.analyze import morris

            si = morris.analyze(problem, X, y, num_levels=4, seed=seed)
            out["outcomes"][expr] = {k: {"mu_star": float(si["mu_star"][i]),
                                         "mu_star_conf": float(si["mu_star_conf"][i]),
                                         "mu": float(si["mu"][i]),
                                         "sigma": float(si["sigma"][i])}
                                     for i, k in enumerate(names)}
        out["outcomes"][expr]["_range"] = [float(np.min(y)), float(np.max(y))]
    return out


def format_table(sens: dict) -> str:
    """The indices as a text table, one block per outcome."""
    lines = []
    for expr, rows in sens["outcomes"].items():
        lo, hi = rows["_range"]
        lines.append(f"{expr}  (over the design points: {lo:+.4g} to {hi:+.4g})")
        if sens["method"] == "sobol":
            lines.append(f"  {'parameter':<36}{'S1':>8}{'+-95%':>8}{'ST':>8}{'+-95%':>8}")
            for k in sens["parameters"]:
                r = rows[k]
                lines.append(f"  {k:<36}{r['S1']:>8.3f}{r['S1_conf']:>8.3f}{r['ST']:>8.3f}"
                             f"{r['ST_conf']:>8.3f}")
        else:
            lines.append(f"  {'parameter':<36}{'mu*':>10}{'+-95%':>10}{'mu':>10}{'sigma':>10}")
            for k in sens["parameters"]:
                r = rows[k]
                lines.append(f"  {k:<36}{r['mu_star']:>10.4f}{r['mu_star_conf']:>10.4f}"
                             f"{r['mu']:>+10.4f}{r['sigma']:>10.4f}")
    return "\n".join(lines)


def write(sens: dict, out: Path) -> Path:
    """sensitivity.json in ``out`` (strict JSON, whole or not at all); the chart is viz's."""
    from scenarios.studies.outputs import atomic_text, strict_json

    return atomic_text(Path(out) / "sensitivity.json", strict_json(sens))
