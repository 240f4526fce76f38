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

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "SensitivityError", "analyze", "format_table", "outcome_values",
           "parse_outcome", "plot_sensitivity"]

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
    """SALib's indices for each outcome of the batch ``res`` (scenarios.batch.BatchResult).

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


def plot_sensitivity(sens: dict, path: Path) -> Path:
    """Bars per parameter and outcome (Sobol S1/ST with CIs, or Morris mu* against sigma)."""
    from viz import pyplot

    plt = pyplot()

    from viz import save_png

    outs = list(sens["outcomes"])
    names = sens["parameters"]
    fig, axes = plt.subplots(1, len(outs), figsize=(5.2 * len(outs), 0.5 * len(names) + 2.2),
                             squeeze=False)
    y = np.arange(len(names))
    for ax, expr in zip(axes[0], outs, strict=True):
        rows = sens["outcomes"][expr]
        if sens["method"] == "sobol":
            for off, key, col in ((-0.18, "S1", "#4c72b0"), (0.18, "ST", "#dd8452")):
                v = [rows[k][key] for k in names]
                e = [rows[k][key + "_conf"] for k in names]
                ax.barh(y + off, v, height=0.34, xerr=e, color=col, label=key, capsize=2)
            ax.axvline(0, color="0.3", lw=0.6)
            ax.set_xlabel("Sobol index (95% CI)")
        else:
            ms = [rows[k]["mu_star"] for k in names]
            e = [rows[k]["mu_star_conf"] for k in names]
            sd = [rows[k]["sigma"] for k in names]
            ax.barh(y - 0.18, ms, height=0.34, xerr=e, color="#4c72b0", label="mu*", capsize=2)
            ax.barh(y + 0.18, sd, height=0.34, color="#dd8452", label="sigma")
            ax.set_xlabel("elementary effect, outcome units")
        ax.set_yticks(y, names if ax is axes[0][0] else [""] * len(names))
        ax.invert_yaxis()
        ax.set_title(expr, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.suptitle(f"{sens['method'].title()} sensitivity: {sens['points']} base points x "
                 f"{len(sens['seeds'])} seeds", fontsize=11)
    fig.tight_layout()
    return save_png(fig, path)


def write(sens: dict, out: Path) -> tuple[Path, Path]:
    """sensitivity.json and sensitivity.png in ``out``."""
    out = Path(out)
    p = out / "sensitivity.json"
    tmp = out / ".sensitivity.json.tmp"
    tmp.write_text(json.dumps(sens, indent=1) + "\n")
    tmp.replace(p)
    return p, plot_sensitivity(sens, out / "sensitivity.png")
