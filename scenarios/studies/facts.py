"""Stylized facts of a simulated world: run a scenario over seeds, measure, check, plot.

`run_facts` runs a `scenarios.engine.simulation.Simulation` once per seed, measures every stock's
minute bars with `scenarios.studies.stylized.facts_for_stock` (with its book depth profile, quoted
spread and 2024 realised volatility), pools the stocks with `pooled_facts`, applies the pass
bands (`check`) and aggregates over seeds. It writes `facts.json` and the figure `facts.png` to
`out_dir`.

Units: prices in dollars, volumes in shares, spreads in dollars, returns are log returns taken
within a day (see `scenarios.studies.stylized`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from market.types import BAR
from scenarios.studies.stylized import (
    bands,
    check,
    check_cross_section,
    cross_section_bands,
    cross_section_facts,
    facts_for_stock,
    pooled_facts,
    to_jsonable,
)

__all__ = ["BAND_ORDER", "CCDF_X", "CROSS_BAND_ORDER", "KURTOSIS_HORIZONS", "check_scenario",
           "facts_of_model", "format_table", "run_facts"]

#: Bands in the order tables and summaries show them.
BAND_ORDER = ("tail_index_1m", "tail_index_5m", "acf_abs", "acf_raw", "kurtosis_decay",
              "vol_volume_corr", "depth_hump", "daily_vol")
#: Bands across stocks (`scenarios.studies.stylized.cross_section_bands`), in the order shown.
CROSS_BAND_ORDER = ("acf_raw_median", "large_cap_spread")
#: Short column headers for the bands.
BAND_SHORT = {"tail_index_1m": "tail1", "tail_index_5m": "tail5", "acf_abs": "|r|acf",
              "acf_raw": "rawacf", "kurtosis_decay": "kurt", "vol_volume_corr": "v-v",
              "depth_hump": "hump", "daily_vol": "dvol"}
#: Horizons (minutes) of the kurtosis panel; the day is drawn at 390.
KURTOSIS_HORIZONS = (("kurtosis_1m", 1), ("kurtosis_5m", 5), ("kurtosis_30m", 30),
                     ("kurtosis_daily", 390))
#: Grid of the complementary CDF of normalised |1-minute returns| (units of sd).
CCDF_X = np.logspace(-1, 2, 121)


# --------------------------------------------------------------------------------------------
# Measuring one run
# --------------------------------------------------------------------------------------------


def _stock_series(model, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(minute close in dollars, minute volume in shares, day index) of stock `s`, days run."""
    n = (model.day + 1) * 390 if model.day >= 0 else 0
    close = model.bars[:n, s, BAR.close] / 100.0
    volume = model.bars[:n, s, BAR.volume].astype(float)
    day = np.arange(n, dtype=np.int64) // 390
    return close, volume, day


def _ccdf_normalised_abs_r1(series: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """P(|r| / sd > x) on `CCDF_X` of 1-minute returns pooled over stocks (each by its own sd).

    Zero returns count in the denominator (they are part of the distribution), not the tail.
    """
    parts = []
    for close, _, day in series:
        if close.size < 2:
            continue
        lp = np.log(close)
        same_day = day[1:] == day[:-1]
        r = np.diff(lp)[same_day]
        r = r[np.isfinite(r)]
        sd = float(np.std(r)) if r.size >= 2 else 0.0
        if sd > 0.0:
            parts.append(np.abs(r) / sd)
    if not parts:
        return {"x": CCDF_X, "p": np.full(CCDF_X.size, np.nan), "n": 0, "zero_fraction": None}
    z = np.sort(np.concatenate(parts))
    p = 1.0 - np.searchsorted(z, CCDF_X, side="right") / z.size
    return {"x": CCDF_X, "p": p, "n": int(z.size), "zero_fraction": float(np.mean(z == 0.0))}


def facts_of_model(model, realised_vol_2024_pct: Mapping[str, float] | None = None,
                   market_cap: Mapping[str, float] | None = None) -> dict:
    """Facts of a model that has run: per stock, pooled, across stocks, their checks and the
    pooled CCDF.

    Args:
        model: A `Simulation` (or `SelloffModel`) after `run()` (or some whole days of `step()`).
        realised_vol_2024_pct: Ticker -> realised 2024 volatility (annualised percent); the
            universe's figures when None.
        market_cap: Ticker -> market cap (which stocks are the largest); the universe's
            24 January 2025 close x shares outstanding when None.

    Returns:
        Dict with ``per_stock`` (ticker -> facts), ``checks`` (ticker -> band -> bool),
        ``pooled``, ``pooled_checks``, ``cross_section`` (`cross_section_facts`),
        ``cross_checks`` (band -> bool) and ``ccdf_abs_r1`` (``x`` in sds, ``p`` probability,
        ``n`` returns, ``zero_fraction`` of them exactly zero).
    """
    if realised_vol_2024_pct is None or market_cap is None:
        from agents.universe import load_universe

        u = load_universe()
        if realised_vol_2024_pct is None:
            realised_vol_2024_pct = dict(zip(u.tickers, u.vol_2024_pct, strict=True))
        if market_cap is None:
            market_cap = _market_caps(u)
    n = np.asarray(model.depth_n)
    depth = model.depth_sum / np.maximum(n, 1)[:, None] if n.any() else None
    n = (model.day + 1) * 390 if model.day >= 0 else 0
    series, per_stock, checks = {}, {}, {}
    for s, t in enumerate(model.tickers):
        close, volume, day = _stock_series(model, s)
        series[t] = (close, volume, day)
        f = facts_for_stock(
            close, volume, day,
            depth_profile=depth[s] if depth is not None else None,
            spread=model.spread[:n, s] / 100.0,
            realised_vol_2024_pct=realised_vol_2024_pct.get(t),
        )
        per_stock[t] = f
        checks[t] = check(f)
    pooled = pooled_facts(series)
    cross = cross_section_facts(per_stock, market_cap)
    return {
        "per_stock": per_stock,
        "checks": checks,
        "pooled": pooled,
        "pooled_checks": check(pooled),
        "cross_section": cross,
        "cross_checks": check_cross_section(cross),
        "ccdf_abs_r1": _ccdf_normalised_abs_r1(series.values()),
    }


def _market_caps(u) -> dict[str, float]:
    """Ticker -> market cap in dollars on 24 January 2025 (close x shares outstanding)."""
    return {t: float(p) * float(n) * 1e6
            for t, p, n in zip(u.tickers, u.close_2025_01_24, u.shares_out_m, strict=True)}


# --------------------------------------------------------------------------------------------
# Over seeds
# --------------------------------------------------------------------------------------------


def _pass_fraction(results: list[Mapping[str, bool]], order=BAND_ORDER) -> dict[str, float]:
    """Band -> fraction of the results where it passed, over those where it was evaluated."""
    out = {}
    for band in order:
        vals = [r[band] for r in results if band in r]
        if vals:
            out[band] = sum(vals) / len(vals)
    return out


def _mean_scalars(dicts: list[Mapping[str, Any]]) -> dict[str, float | None]:
    """Mean over dicts of every numeric scalar key (None where no finite value)."""
    keys = [k for k, v in dicts[0].items()
            if v is None or (isinstance(v, int | float) and not isinstance(v, bool))]
    out: dict[str, float | None] = {}
    for k in keys:
        vals = [float(d[k]) for d in dicts if isinstance(d.get(k), int | float)
                and math.isfinite(float(d[k]))]
        out[k] = float(np.mean(vals)) if vals else None
    return out


def _mean_arrays(arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise mean over equal-length arrays, NaN-safe (NaN where no finite value)."""
    stack = np.vstack([np.asarray(a, dtype=float) for a in arrays])  # None (JSON's NaN): nan
    ok = np.isfinite(stack)
    cnt = ok.sum(axis=0)
    tot = np.where(ok, stack, 0.0).sum(axis=0)
    return np.divide(tot, cnt, out=np.full(stack.shape[1], np.nan), where=cnt > 0)


def check_scenario(scenario) -> None:
    """ValueError (one line) unless the scenario names at least one stock, each once."""
    t = list(scenario.tickers)
    if not t:
        raise ValueError("tickers: need at least one stock (got [])")
    dup = sorted({x for x in t if t.count(x) > 1})
    if dup:
        raise ValueError(f"tickers: each stock at most once (got {', '.join(dup)} repeated)")


def _facts_of_run(m, rv, caps) -> dict:
    """The measure of one run: its counts and its facts (`facts_of_model`)."""
    # JSON-ready (NaN as None), so that a run read back from the store is the same value
    return to_jsonable({"decisions": int(m.counts[0]), "orders": int(m.exchange.pool.meta[1]),
                        "trades": int(m.bars[..., BAR.trades].sum()),
                        "halts": [list(h) for h in m.halts], **facts_of_model(m, rv, caps)})


def run_facts(scenario, seeds: Iterable[int], out_dir, progress: bool = True,
              draw=None, workers: int = 1, scheduler: str | None = None) -> dict:
    """Run `scenario` once per seed; measure, check, aggregate; write facts.json and facts.png.

    Args:
        scenario: A `scenarios.library.scenario.Scenario` (its `days` are run in full).
        seeds: Model seeds, at least one.
        out_dir: Directory for ``facts.json`` and ``facts.png`` (replaced as a whole).
        progress: Show a tqdm bar (of the run's minutes for one seed, of the runs for more).
        workers, scheduler: where the runs go (the ensemble runner, `scenarios.studies.ensemble`):
            this process by default, a local pool of `workers`, or a Dask cluster.
        draw: ``draw(result, path)`` writes facts.png (``viz.facts.plot_facts``; figures live
            in viz/, a layer above); None writes facts.json alone.

    Returns:
        The dict written to facts.json (before JSON conversion): ``scenario``, ``days``,
        ``tickers``, ``seeds``, ``bands`` (see `scenarios.studies.stylized.bands`), ``cross_bands``
        (`scenarios.studies.stylized.cross_section_bands`), ``runs`` (one per seed: ``seed``,
        ``wall_s``, ``decisions``, ``orders``, ``trades``, ``per_stock``, ``checks``,
        ``pooled``, ``pooled_checks``, ``cross_section``, ``cross_checks``, ``ccdf_abs_r1``)
        and ``summary`` (``pooled_pass_fraction``: band -> fraction of seeds whose pooled
        check passed; ``stock_pass_fraction``: ticker -> band -> fraction of seeds;
        ``cross_pass_fraction``: the same for the bands across stocks; ``pooled_mean``,
        ``per_stock_mean`` and ``cross_mean``: facts averaged over seeds), plus ``files``.

    Raises:
        ValueError: No seeds, or no or repeated tickers (see `check_scenario`).
    """
    from agents.params import to_dict
    from agents.universe import load_universe

    check_scenario(scenario)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: need at least one seed")
    out = Path(out_dir)
    u = load_universe()
    rv = dict(zip(u.tickers, u.vol_2024_pct, strict=True))
    caps = _market_caps(u)

    from scenarios.studies.ensemble import Job, JsonStore, job_id, run_ensemble, values

    jobs = [Job(job_id("facts", to_dict(scenario), s), s, s,
                dataclasses.replace(scenario, seed=s), progress=progress and len(seeds) == 1)
            for s in seeds]
    rows = run_ensemble(jobs, functools.partial(_facts_of_run, rv=rv, caps=caps),
                        store=JsonStore(out / "runs"), workers=workers, scheduler=scheduler,
                        progress=progress and len(seeds) > 1, label="facts")
    runs = [{"seed": r["seed"], "wall_s": r["wall_s"], **v}
            for r, v in zip(rows, values(rows), strict=True)]

    tickers = list(scenario.tickers)
    summary = {
        "pooled_pass_fraction": _pass_fraction([r["pooled_checks"] for r in runs]),
        "stock_pass_fraction": {t: _pass_fraction([r["checks"][t] for r in runs])
                                for t in tickers},
        "pooled_mean": _mean_scalars([r["pooled"] for r in runs]),
        "per_stock_mean": {t: _mean_scalars([r["per_stock"][t] for r in runs])
                           for t in tickers},
        "cross_pass_fraction": _pass_fraction([r["cross_checks"] for r in runs],
                                              CROSS_BAND_ORDER),
        "cross_mean": {
            "acf_raw_1m_median": _mean_arrays(
                [r["cross_section"]["acf_raw_1m_median"] for r in runs]),
            **_mean_scalars([r["cross_section"] for r in runs]),
        },
    }
    result = {
        "scenario": scenario.name,
        "days": scenario.days,
        "tickers": tickers,
        "seeds": seeds,
        "bands": bands(),
        "cross_bands": cross_section_bands(),
        "runs": runs,
        "summary": summary,
        "files": {"json": str(out / "facts.json"), "figure": str(out / "facts.png")},
    }
    from scenarios.studies.outputs import atomic_text, staged, strict_json

    with staged(out, keep=("runs",)) as tmp:  # complete or absent; the runs carry over
        atomic_text(tmp / "facts.json", strict_json(to_jsonable(result)))
        if draw is not None:
            draw(result, tmp / "facts.png")
    return result


# --------------------------------------------------------------------------------------------
# Table
# --------------------------------------------------------------------------------------------


def _fmt(v: Any, spec: str, width: int) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return f"{'-':>{width}}"
    return f"{v:>{width}{spec}}"


def _verdict(frac: float | None, n_seeds: int) -> str:
    if frac is None:
        return "-"
    if frac >= 1.0:
        return "PASS"
    if frac <= 0.0:
        return "FAIL"
    return f"{round(frac * n_seeds)}/{n_seeds}"


def format_table(result: Mapping[str, Any]) -> str:
    """Per-stock table of the headline facts (means over seeds) and band verdicts, then the
    bands across stocks (the median stock's raw ACF, the largest stocks' spread), one a line.

    A verdict is PASS (every seed), FAIL (none) or k/n seeds; "-" where not evaluable.
    """
    summ = result["summary"]
    n = len(result["seeds"])
    head = (f"{'stock':<7}{'alpha1m':>8}{'kurt1m':>8}{'kurt30m':>8}{'acf|r|1':>8}{'acf r1':>8}"
            f"{'v-v5m':>7}{'vol%':>7}{'2024%':>7}{'spread$':>9}{'sprd bp':>8} ")
    head += "".join(f"{BAND_SHORT[b]:>7}" for b in BAND_ORDER)
    lines = [head, "-" * len(head)]

    def row(name, f, passes, acf1, raw1):
        line = (f"{name:<7}{_fmt(f.get('tail_index_1m'), '.2f', 8)}"
                f"{_fmt(f.get('kurtosis_1m'), '.1f', 8)}{_fmt(f.get('kurtosis_30m'), '.2f', 8)}"
                f"{_fmt(acf1, '.3f', 8)}{_fmt(raw1, '.3f', 8)}"
                f"{_fmt(f.get('vol_volume_corr_5m'), '.2f', 7)}"
                f"{_fmt(f.get('daily_vol_pct'), '.1f', 7)}"
                f"{_fmt(f.get('realised_vol_2024_pct'), '.1f', 7)}"
                f"{_fmt(f.get('spread_mean'), '.4f', 9)}{_fmt(f.get('spread_bp'), '.2f', 8)} ")
        return line + "".join(f"{_verdict(passes.get(b), n):>7}" for b in BAND_ORDER)

    def lag1_mean(get):
        vals = [get(r)[0] for r in result["runs"]]
        vals = [float(v) for v in vals if v is not None and math.isfinite(float(v))]
        return float(np.mean(vals)) if vals else None

    for t in result["tickers"]:
        acf1 = lag1_mean(lambda r, t=t: r["per_stock"][t]["acf_abs_1m"])
        raw1 = lag1_mean(lambda r, t=t: r["per_stock"][t]["acf_raw_1m"])
        lines.append(row(t, summ["per_stock_mean"][t], summ["stock_pass_fraction"][t], acf1,
                         raw1))
    lines.append("-" * len(head))
    acf1 = lag1_mean(lambda r: r["pooled"]["acf_abs_1m"])
    raw1 = lag1_mean(lambda r: r["pooled"]["acf_raw_1m"])
    lines.append(row("pooled", summ["pooled_mean"], summ["pooled_pass_fraction"], acf1, raw1))
    lines.append("-" * len(head))
    lines.extend(_cross_lines(result))
    return "\n".join(lines)


def _cross_lines(result: Mapping[str, Any]) -> list[str]:
    """The bands across stocks, one line each: what was measured (mean over seeds), the band,
    the verdict."""
    summ = result["summary"]
    n = len(result["seeds"])
    cb = result["cross_bands"]
    mean = summ["cross_mean"]
    passes = summ["cross_pass_fraction"]
    med = np.asarray([np.nan if v is None else v for v in mean["acf_raw_1m_median"]], float)
    b = cb["acf_raw_median"]
    far = np.abs(med[1:])
    far_max = (f"{np.nanmax(far):.3f} (lag {int(np.nanargmax(far)) + 2})"
               if np.isfinite(far).any() else "-")
    lines = [f"median stock, raw 1-minute ACF: lag 1 {_fmt(med[0], '.3f', 0)} "
             f"(|.| <= {b['lag1_max_abs']}), largest |ACF| at lags 2-{b['lags'][1]} {far_max} "
             f"(<= {b['far_max_abs']}): {_verdict(passes.get('acf_raw_median'), n)}"]
    b = cb["large_cap_spread"]
    large = result["runs"][0]["cross_section"]["large_caps"] if result["runs"] else []
    lines.append(f"median quoted spread of the {len(large)} largest stocks ({' '.join(large)}): "
                 f"{_fmt(mean.get('large_cap_spread_bp'), '.2f', 0)} bp (<= {b['max_bp']}): "
                 f"{_verdict(passes.get('large_cap_spread'), n)}")
    return lines


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------
