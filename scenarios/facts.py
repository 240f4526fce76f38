"""Stylized facts of a simulated world: run a scenario over seeds, measure, check, plot.

`run_facts` runs `SelloffModel` once per seed, measures every stock's minute bars with
`scenarios.stylized.facts_for_stock` (with its book depth profile, quoted spread and 2024
realised volatility), pools the stocks with `pooled_facts`, applies the pass bands (`check`) and
aggregates over seeds. It writes `facts.json` and the figure `facts.png` to `out_dir`.

Units: prices in dollars, volumes in shares, spreads in dollars, returns are log returns taken
within a day (see `scenarios.stylized`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.stylized import bands, check, facts_for_stock, pooled_facts, to_jsonable

__all__ = ["BAND_ORDER", "check_scenario", "facts_of_model", "format_table", "plot_facts",
           "run_facts"]

#: Bands in the order tables and summaries show them.
BAND_ORDER = ("tail_index_1m", "tail_index_5m", "acf_abs", "acf_raw", "kurtosis_decay",
              "vol_volume_corr", "depth_hump", "daily_vol")
#: Short column headers for the bands.
BAND_SHORT = {"tail_index_1m": "tail1", "tail_index_5m": "tail5", "acf_abs": "|r|acf",
              "acf_raw": "rawacf", "kurtosis_decay": "kurt", "vol_volume_corr": "v-v",
              "depth_hump": "hump", "daily_vol": "dvol"}
#: Horizons (minutes) of the kurtosis panel; the day is drawn at 390.
_KURT_H = (("kurtosis_1m", 1), ("kurtosis_5m", 5), ("kurtosis_30m", 30), ("kurtosis_daily", 390))
#: Grid of the complementary CDF of normalised |1-minute returns| (units of sd).
_CCDF_X = np.logspace(-1, 2, 121)


# --------------------------------------------------------------------------------------------
# Measuring one run
# --------------------------------------------------------------------------------------------


def _stock_series(model, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(minute close in dollars, minute volume in shares, day index) of stock `s`, days run."""
    n = (model.day + 1) * 390 if model.day >= 0 else 0
    close = model.bars[:n, s, 3] / 100.0
    volume = model.bars[:n, s, 4].astype(float)
    day = np.arange(n, dtype=np.int64) // 390
    return close, volume, day


def _ccdf_normalised_abs_r1(series: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """P(|r| / sd > x) on `_CCDF_X` of 1-minute returns pooled over stocks (each by its own sd).

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
        return {"x": _CCDF_X, "p": np.full(_CCDF_X.size, np.nan), "n": 0, "zero_fraction": None}
    z = np.sort(np.concatenate(parts))
    p = 1.0 - np.searchsorted(z, _CCDF_X, side="right") / z.size
    return {"x": _CCDF_X, "p": p, "n": int(z.size), "zero_fraction": float(np.mean(z == 0.0))}


def facts_of_model(model, realised_vol_2024_pct: Mapping[str, float] | None = None) -> dict:
    """Facts of a model that has run: per stock, pooled, their checks and the pooled CCDF.

    Args:
        model: A `SelloffModel` after `run()` (or some whole days of `step()`).
        realised_vol_2024_pct: Ticker -> realised 2024 volatility (annualised percent); the
            universe's figures when None.

    Returns:
        Dict with ``per_stock`` (ticker -> facts), ``checks`` (ticker -> band -> bool),
        ``pooled``, ``pooled_checks`` and ``ccdf_abs_r1`` (``x`` in sds, ``p`` probability,
        ``n`` returns, ``zero_fraction`` of them exactly zero).
    """
    if realised_vol_2024_pct is None:
        from agents.universe import load_universe

        u = load_universe()
        realised_vol_2024_pct = dict(zip(u.tickers, u.vol_2024_pct, strict=True))
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
    return {
        "per_stock": per_stock,
        "checks": checks,
        "pooled": pooled,
        "pooled_checks": check(pooled),
        "ccdf_abs_r1": _ccdf_normalised_abs_r1(series.values()),
    }


# --------------------------------------------------------------------------------------------
# Over seeds
# --------------------------------------------------------------------------------------------


def _pass_fraction(results: list[Mapping[str, bool]]) -> dict[str, float]:
    """Band -> fraction of the results where it passed, over those where it was evaluated."""
    out = {}
    for band in BAND_ORDER:
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


def check_scenario(scenario) -> None:
    """ValueError (one line) unless the scenario names at least one stock, each once."""
    t = list(scenario.tickers)
    if not t:
        raise ValueError("tickers: need at least one stock (got [])")
    dup = sorted({x for x in t if t.count(x) > 1})
    if dup:
        raise ValueError(f"tickers: each stock at most once (got {', '.join(dup)} repeated)")


def run_facts(scenario, seeds: Iterable[int], out_dir, progress: bool = True) -> dict:
    """Run `scenario` once per seed; measure, check, aggregate; write facts.json and facts.png.

    Args:
        scenario: A `scenarios.scenario.Scenario` (its `days` are run in full).
        seeds: Model seeds, at least one.
        out_dir: Directory for ``facts.json`` and ``facts.png`` (replaced as a whole).
        progress: Show a tqdm bar per run.

    Returns:
        The dict written to facts.json (before JSON conversion): ``scenario``, ``days``,
        ``tickers``, ``seeds``, ``bands`` (see `scenarios.stylized.bands`), ``runs`` (one per
        seed: ``seed``, ``wall_s``, ``decisions``, ``orders``, ``trades``, ``per_stock``,
        ``checks``, ``pooled``, ``pooled_checks``, ``ccdf_abs_r1``) and ``summary``
        (``pooled_pass_fraction``: band -> fraction of seeds whose pooled check passed;
        ``stock_pass_fraction``: ticker -> band -> fraction of seeds; ``pooled_mean`` and
        ``per_stock_mean``: scalar facts averaged over seeds), plus ``files``.

    Raises:
        ValueError: No seeds, or no or repeated tickers (see `check_scenario`).
    """
    from agents.universe import load_universe
    from scenarios.model import SelloffModel

    check_scenario(scenario)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: need at least one seed")
    out = Path(out_dir)
    u = load_universe()
    rv = dict(zip(u.tickers, u.vol_2024_pct, strict=True))

    runs = []
    for seed in seeds:
        t0 = time.perf_counter()
        m = SelloffModel(scenario, seed=seed)
        m.run(progress=progress)
        wall = time.perf_counter() - t0
        r = facts_of_model(m, rv)
        runs.append({
            "seed": seed,
            "wall_s": wall,
            "decisions": int(m.counts[0]),
            "orders": int(m.exchange.pool.meta[1]),
            "trades": int(m.bars[..., 5].sum()),
            "halts": [list(h) for h in m.halts],
            **r,
        })
        del m

    tickers = list(scenario.tickers)
    summary = {
        "pooled_pass_fraction": _pass_fraction([r["pooled_checks"] for r in runs]),
        "stock_pass_fraction": {t: _pass_fraction([r["checks"][t] for r in runs])
                                for t in tickers},
        "pooled_mean": _mean_scalars([r["pooled"] for r in runs]),
        "per_stock_mean": {t: _mean_scalars([r["per_stock"][t] for r in runs])
                           for t in tickers},
    }
    result = {
        "scenario": scenario.name,
        "days": scenario.days,
        "tickers": tickers,
        "seeds": seeds,
        "bands": bands(),
        "runs": runs,
        "summary": summary,
        "files": {"json": str(out / "facts.json"), "figure": str(out / "facts.png")},
    }
    from scenarios.outputs import atomic_text, staged, strict_json

    with staged(out) as tmp:  # the folder is complete or absent
        atomic_text(tmp / "facts.json", strict_json(to_jsonable(result)))
        plot_facts(result, tmp / "facts.png")
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
    """Per-stock table of the headline facts (means over seeds) and band verdicts.

    A verdict is PASS (every seed), FAIL (none) or k/n seeds; "-" where not evaluable.
    """
    summ = result["summary"]
    n = len(result["seeds"])
    head = (f"{'stock':<7}{'alpha1m':>8}{'kurt1m':>8}{'kurt30m':>8}{'acf|r|1':>8}{'v-v5m':>7}"
            f"{'vol%':>7}{'2024%':>7}{'spread$':>9} ")
    head += "".join(f"{BAND_SHORT[b]:>7}" for b in BAND_ORDER)
    lines = [head, "-" * len(head)]

    def row(name, f, passes, acf1):
        line = (f"{name:<7}{_fmt(f.get('tail_index_1m'), '.2f', 8)}"
                f"{_fmt(f.get('kurtosis_1m'), '.1f', 8)}{_fmt(f.get('kurtosis_30m'), '.2f', 8)}"
                f"{_fmt(acf1, '.3f', 8)}{_fmt(f.get('vol_volume_corr_5m'), '.2f', 7)}"
                f"{_fmt(f.get('daily_vol_pct'), '.1f', 7)}"
                f"{_fmt(f.get('realised_vol_2024_pct'), '.1f', 7)}"
                f"{_fmt(f.get('spread_mean'), '.4f', 9)} ")
        return line + "".join(f"{_verdict(passes.get(b), n):>7}" for b in BAND_ORDER)

    def acf1_mean(get):
        vals = [get(r)[0] for r in result["runs"]]
        vals = [float(v) for v in vals if v is not None and math.isfinite(float(v))]
        return float(np.mean(vals)) if vals else None

    for t in result["tickers"]:
        acf1 = acf1_mean(lambda r, t=t: r["per_stock"][t]["acf_abs_1m"])
        lines.append(row(t, summ["per_stock_mean"][t], summ["stock_pass_fraction"][t], acf1))
    lines.append("-" * len(head))
    acf1 = acf1_mean(lambda r: r["pooled"]["acf_abs_1m"])
    lines.append(row("pooled", summ["pooled_mean"], summ["pooled_pass_fraction"], acf1))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------


def _arr(v) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in v], dtype=float)


def plot_facts(result: Mapping[str, Any], path) -> Path:
    """The four-panel figure of `run_facts`'s result (also works on facts.json loaded back)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result["runs"]
    b = result["bands"]
    multi = len(runs) > 1
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    (ax_acf, ax_k), (ax_cc, ax_d) = axes
    alpha = 0.45 if multi else 1.0

    # (a) ACFs of |r| and r, pooled over stocks, with the bands
    raw_lo, raw_hi = b["acf_raw"]["lags"]
    m_raw = b["acf_raw"]["max_abs"]
    ax_acf.fill_between([raw_lo, raw_hi], -m_raw, m_raw, color="tab:orange", alpha=0.15, lw=0,
                        label=f"raw band |ACF| <= {m_raw} (lags {raw_lo}-{raw_hi})")
    ax_acf.axhline(0.0, color="0.4", lw=0.8)
    through = b["acf_abs"]["through_lag"]
    ax_acf.axvline(through, color="tab:blue", ls=":", lw=1,
                   label=f"|r| ACF must stay > 0 through lag {through}")
    ax_acf.plot([1], [b["acf_abs"]["lag1_min"]], marker="v", color="tab:blue", ls="none", ms=9,
                label=f"|r| ACF lag-1 minimum {b['acf_abs']['lag1_min']}")
    for i, r in enumerate(runs):
        absr = _arr(r["pooled"]["acf_abs_1m"])
        raw = _arr(r["pooled"]["acf_raw_1m"])
        ax_acf.plot(np.arange(1, absr.size + 1), absr, color="tab:blue", lw=1.6, alpha=alpha,
                    label="ACF |r|, 1 min" if i == 0 else None)
        ax_acf.plot(np.arange(1, raw.size + 1), raw, color="tab:orange", lw=1.4, marker="o",
                    ms=3, alpha=alpha, label="ACF r, 1 min" if i == 0 else None)
    ax_acf.set_xlim(0, 101)
    ax_acf.set_xlabel("lag (minutes)")
    ax_acf.set_ylabel("autocorrelation (mean over stocks)")
    ax_acf.set_title("Volatility clustering and no linear autocorrelation")
    ax_acf.legend(fontsize=8, loc="upper right")

    # (b) kurtosis by horizon
    hs = [h for _, h in _KURT_H]

    def kurt(f):
        return np.array([np.nan if f.get(k) is None else f[k] for k, _ in _KURT_H], dtype=float)

    seen = []
    for t in result["tickers"]:
        for r in runs:
            seen.append(kurt(r["per_stock"][t]))
            ax_k.plot(hs, seen[-1], color="0.7", lw=0.7, alpha=0.6)
    for i, r in enumerate(runs):
        seen.append(kurt(r["pooled"]))
        ax_k.plot(hs, seen[-1], color="tab:red", lw=2, marker="o", alpha=alpha,
                  label="pooled (returns / own sd)" if i == 0 else None)
    allk = np.concatenate(seen) if seen else np.empty(0)
    allk = allk[np.isfinite(allk)]
    if allk.size:
        ax_k.set_ylim(min(-1.0, 1.5 * allk.min()), max(10.0, 2.0 * allk.max()))
    ax_k.plot([], [], color="0.7", lw=0.7, label="single stocks")
    ax_k.axhline(0.0, color="0.4", lw=0.8)
    ax_k.set_xscale("log")
    ax_k.set_yscale("symlog", linthresh=1.0)
    ax_k.set_xticks(hs, ["1 min", "5 min", "30 min", "1 day"])
    ax_k.minorticks_off()
    ax_k.set_xlabel("horizon")
    ax_k.set_ylabel("excess kurtosis (symlog)")
    ax_k.set_title("Aggregational Gaussianity: k1 > k5 > k30")
    ax_k.legend(fontsize=8)

    # (c) complementary CDF of normalised |1-minute returns|
    ref = None
    for i, r in enumerate(runs):
        x, p = _arr(r["ccdf_abs_r1"]["x"]), _arr(r["ccdf_abs_r1"]["p"])
        ok = p > 0
        zero = r["ccdf_abs_r1"].get("zero_fraction")
        zero_txt = f", {zero:.0%} zero" if zero is not None else ""
        ax_cc.loglog(x[ok], p[ok], color="tab:green", lw=1.8, alpha=alpha,
                     label=f"simulated, pooled ({r['ccdf_abs_r1']['n']:,} returns{zero_txt})"
                     if i == 0 else None)
        if ref is None and ok.any():
            # anchor the slope -3 line where the simulated tail is at 1e-2
            j = np.flatnonzero(ok & (p <= 1e-2))
            ref = (x[j[0]], p[j[0]]) if j.size else None
    xg = _CCDF_X
    gauss = np.array([math.erfc(v / math.sqrt(2.0)) for v in xg])
    ax_cc.loglog(xg[gauss > 1e-7], gauss[gauss > 1e-7], color="0.5", ls="--", lw=1,
                 label="Gaussian")
    if ref is not None:
        xs = np.logspace(np.log10(ref[0]) - 0.3, np.log10(ref[0]) + 1.0, 20)
        ax_cc.loglog(xs, ref[1] * (xs / ref[0]) ** -3.0, color="k", lw=1, ls=":",
                     label="slope -3 (inverse cubic law)")
    ax_cc.set_ylim(1e-6, 1.5)
    ax_cc.set_xlim(0.1, 100)
    ax_cc.set_xlabel("|1-minute return| / its sd")
    ax_cc.set_ylabel("P(|r| > x)")
    ax_cc.set_title("Fat tails of 1-minute returns")
    ax_cc.legend(fontsize=8, loc="lower left")

    # (d) mean depth profile of a few stocks (first run), each relative to its own mean
    r0 = runs[0]
    shown = [t for t in result["tickers"]
             if r0["per_stock"][t].get("depth_profile") is not None][:5]
    for t in shown:
        prof = _arr(r0["per_stock"][t]["depth_profile"])
        if not np.isfinite(prof).any() or np.nanmean(prof) <= 0:
            continue
        ax_d.plot(np.arange(1, prof.size + 1), prof / np.nanmean(prof), marker="o", ms=4,
                  lw=1.4, label=t)
    ax_d.set_xticks(range(1, 11))
    ax_d.set_xlabel("level from the best quote (1 = best), bid and ask pooled")
    ax_d.set_ylabel("mean depth / mean over levels")
    ax_d.set_title("Book depth profile (hump: peak behind the best)")
    ax_d.set_ylim(bottom=0)
    if shown:
        ax_d.legend(fontsize=8, ncol=2)

    seeds = ", ".join(str(r["seed"]) for r in runs)
    fig.suptitle(f"Stylized facts: scenario {result['scenario']}, {result['days']} days, "
                 f"{len(result['tickers'])} stocks, seed{'s' if multi else ''} {seeds}",
                 fontsize=12)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
