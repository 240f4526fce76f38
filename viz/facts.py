"""The stylized-facts figure of `selloff facts` (scenarios.studies.facts.run_facts's result)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.studies.facts import CCDF_X, KURTOSIS_HORIZONS
from viz import pyplot

__all__ = ["plot_facts"]


def _arr(v) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in v], dtype=float)


def plot_facts(result: Mapping[str, Any], path) -> Path:
    """The four-panel figure of `run_facts`'s result (also works on facts.json loaded back)."""
    plt = pyplot()

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
    cb = result.get("cross_bands", {}).get("acf_raw_median")
    if cb is not None:
        ax_acf.errorbar([1], [0.0], yerr=[[cb["lag1_max_abs"]], [cb["lag1_max_abs"]]],
                        color="tab:red", capsize=4, lw=1.2, ls="none",
                        label=f"median stock's raw ACF: |lag 1| <= {cb['lag1_max_abs']}, "
                              f"lags 2-20 <= {cb['far_max_abs']}")
    for i, r in enumerate(runs):
        cs = r.get("cross_section")
        if cs is not None:
            med = _arr(cs["acf_raw_1m_median"])
            ax_acf.plot(np.arange(1, med.size + 1), med, color="tab:red", lw=1.0, ls="--",
                        alpha=alpha, label="ACF r, 1 min, median stock" if i == 0 else None)
    ax_acf.set_xlim(0, 101)
    ax_acf.set_xlabel("lag (minutes)")
    ax_acf.set_ylabel("autocorrelation (mean over stocks)")
    ax_acf.set_title("Volatility clustering and no linear autocorrelation")
    ax_acf.legend(fontsize=8, loc="upper right")

    # (b) kurtosis by horizon
    hs = [h for _, h in KURTOSIS_HORIZONS]

    def kurt(f):
        return np.array([np.nan if f.get(k) is None else f[k] for k, _ in KURTOSIS_HORIZONS],
                        dtype=float)

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
    xg = CCDF_X
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
    cs0 = r0.get("cross_section")
    sb = result.get("cross_bands", {}).get("large_cap_spread")
    if cs0 is not None and sb is not None and cs0.get("large_cap_spread_bp") is not None:
        ax_d.text(0.98, 0.04, f"median quoted spread of the {len(cs0['large_caps'])} largest "
                  f"stocks: {cs0['large_cap_spread_bp']:.2f} bp (band <= {sb['max_bp']})",
                  transform=ax_d.transAxes, ha="right", va="bottom", fontsize=8)
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
