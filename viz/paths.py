"""price_paths.png: every stock against its close before the run's first day, grouped by role,
shocks marked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from market.types import BAR
from scenarios.engine.simulation import MINUTES
from scenarios.studies.run import ROLE_GROUPS
from viz import save_png

__all__ = ["plot_price_paths"]


def _day_label(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return d.strftime("%a %d %b")


def plot_price_paths(res, path: Path) -> Path:
    """Draw the run `res` (scenarios.studies.run.RunResult) into `path` (PNG); return the path."""
    from viz import pyplot

    plt = pyplot()

    close = res.bars[:, :, BAR.close].astype(float)
    rel = (close / res.prev_close[None, :].astype(float) - 1.0) * 100.0
    n = rel.shape[0]
    x = np.arange(n)
    groups = [(title, [j for j, r in enumerate(res.roles) if r in roles])
              for title, roles in ROLE_GROUPS]
    groups = [(t, js) for t, js in groups if js]
    ncol = 2 if len(groups) > 1 else 1
    nrow = (len(groups) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(7.2 * ncol, 3.6 * nrow + 0.8), sharex=True,
                             squeeze=False)
    lo = float(np.nanmin(rel)) if rel.size else -1.0
    hi = float(np.nanmax(rel)) if rel.size else 1.0
    pad = 0.08 * max(1.0, hi - lo)
    cmap = plt.get_cmap("tab10")
    days = len(res.dates)
    for ax, (title, js) in zip(axes.flat, groups, strict=False):
        for k, j in enumerate(js):
            ax.plot(x, rel[:, j], lw=1.0, color=cmap(k % 10), label=res.tickers[j])
        ax.axhline(0.0, color="0.3", lw=0.6)
        for d in range(1, days):
            ax.axvline(d * MINUTES, color="0.85", lw=0.8, zorder=0)
        for d, m, _name, _kind, _text in res.events:
            ax.axvline(d * MINUTES + max(m, 0), color="tab:red", lw=0.8, ls="--", alpha=0.7)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_ylabel("% since the close before the run")
        ax.grid(axis="y", color="0.92")
        ax.legend(fontsize=7, ncol=min(4, len(js)), loc="lower left", frameon=False)
    for ax in axes.flat[len(groups):]:
        ax.axis("off")
    # shock labels on the top row, one line lower whenever a label would run into the last one
    # on its line
    gap = 0.11 * max(1, n)
    ends: list[float] = []
    for d, m, name, _kind, _text in sorted(res.events, key=lambda e: (e[0], e[1])):
        xv = d * MINUTES + max(m, 0)
        row = next((k for k, end in enumerate(ends) if xv >= end), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = xv + gap
        for ax in axes[0]:
            if ax.has_data():
                ax.annotate(name, (xv, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -10 - 9 * row), textcoords="offset points", fontsize=7,
                            color="tab:red")
    ticks = [d * MINUTES + MINUTES // 2 for d in range(days)]
    for ax in axes[-1]:
        ax.set_xticks(ticks)
        ax.set_xticklabels([_day_label(d) for d in res.dates], fontsize=8)
        ax.set_xlim(0, max(1, n - 1))
    sc = res.scenario
    fig.suptitle(f"{sc.name} (seed {res.seed}): {sc.description}\nminute closes against the "
                 f"close before {res.dates[0]}; dashed red lines: shocks", fontsize=10)
    fig.tight_layout()
    return save_png(fig, path)
