"""fan.png: a batch's paths over seeds, per group of stocks, one colour per design point.

For each role group (scenarios.studies.run.ROLE_GROUPS) the equal-weighted cumulative return of its
stocks against the close before the first day, in percent; the median over seeds as a line and
the 50% band shaded around it and the 90% band (shaded for one point, dashed outlines for
several, which would otherwise muddy each other). The path runs through each day's open and
close, marked hollow and filled (or every minute, when the batch kept minute closes). Shocks
are marked where they fire, numbered (those at the same time under one number), with the key
under the legend.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.studies.run import ROLE_GROUPS
from viz import save_png

__all__ = ["fan_paths", "plot_fan"]

MAX_COLOURED = 8
_COLOURS = ("#1f4e79", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17a589", "#7b7d7d",
            "#a04000")


def _roles() -> dict[str, str]:
    from agents.universe import load_universe

    u = load_universe()
    return dict(zip(u.tickers, u.roles, strict=True))


def fan_paths(res) -> tuple[np.ndarray, dict, list[str]]:
    """``(x, paths, dates)``: x in days from the first open; paths[(group, point)] = [seed, x]
    cumulative group returns in percent."""
    daily = res.daily.copy()
    runs = res.runs[res.runs["status"] == "ok"]
    daily = daily[daily["run_id"].isin(set(runs["run_id"]))]
    dates = sorted(pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d").unique())
    roles = _roles()
    tickers = list(dict.fromkeys(daily["ticker"]))
    first = pd.Timestamp(dates[0]) if dates else None
    d0 = daily[pd.to_datetime(daily["date"]) == first]
    prev0 = (d0["close"] / (1 + d0["return"])).to_numpy()
    prev0 = dict(zip(zip(d0["run_id"], d0["ticker"], strict=True), prev0, strict=True))
    nd = len(dates)
    minutes = getattr(res, "minutes", None)
    if minutes is not None and len(minutes):
        n_min = int(minutes["minute"].max()) + 1
        x = (np.arange(n_min) + 1) / (n_min / nd)
        x = np.concatenate([[0.0], x])
    else:
        x = np.concatenate([[0.0], np.ravel([[d + 0.02, d + 1.0] for d in range(nd)])])
    paths: dict = {}
    for title, group_roles in ROLE_GROUPS:
        members = [t for t in tickers if roles.get(t) in group_roles]
        if not members:
            continue
        for point, rr in runs.groupby("point"):
            rows = []
            for rid in rr.sort_values("seed")["run_id"]:
                per = []
                for t in members:
                    p0 = prev0[(rid, t)]
                    if minutes is not None and len(minutes):
                        m = minutes[(minutes["run_id"] == rid) & (minutes["ticker"] == t)]
                        px = m.sort_values("minute")["close"].to_numpy()
                    else:
                        d = daily[(daily["run_id"] == rid) & (daily["ticker"] == t)]
                        d = d.sort_values("date")
                        px = np.ravel(np.column_stack([d["open"], d["close"]]))
                    per.append(np.concatenate([[0.0], (px / p0 - 1.0) * 100.0]))
                rows.append(np.mean(per, axis=0))
            paths[(title, int(point))] = np.asarray(rows)
    return x, paths, dates


def _label(res, point: int) -> str:
    cols = res.meta["design"]["columns"]
    if not cols:
        return "as set"
    row = res.meta["design"]["rows"][point]
    return ", ".join(f"{c.split('.')[-1]}={v:g}" if isinstance(v, float) else
                     f"{c.split('.')[-1]}={v}" for c, v in zip(cols, row, strict=True))


def _shocks(res):
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides

    try:
        sc = apply_overrides(get_scenario(res.meta["scenario"]),
                             [f"days={res.meta['days']}"] + list(res.meta["sets"]))
    except Exception:  # noqa: BLE001 - a scenario renamed since: draw without marks
        return []
    return [(s.day + (max(s.minute, -1) + 1) / 390.0, s.name) for s in sc.shocks
            if getattr(s, "enabled", True) and s.day < sc.days]


def _merge_marks(shocks, within: float = 0.05):
    """Shocks at (nearly) the same time as one mark: ``[(x, "name, name")]``, x in days."""
    marks: list = []
    for xs, name in sorted(shocks):
        if marks and xs - marks[-1][0] < within:
            marks[-1] = (marks[-1][0], marks[-1][1] + ", " + name)
        else:
            marks.append((xs, name))
    return marks


def plot_fan(res, path: Path) -> Path:
    """Draw the fan chart of the batch ``res`` (scenarios.studies.batch.BatchResult) into
    ``path``."""
    from viz import pyplot

    plt = pyplot()

    x, paths, dates = fan_paths(res)
    groups = list(dict.fromkeys(g for g, _ in paths))
    points = sorted({p for _, p in paths})
    pooled = len(points) > MAX_COLOURED
    ncol = 2 if len(groups) > 1 else 1
    nrow = max(1, (len(groups) + ncol - 1) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.4 * ncol, 3.3 * nrow + 1.0), sharex=True,
                             squeeze=False)
    shocks = _shocks(res)
    n_seeds = len(res.meta["seeds"])
    marks = _merge_marks(shocks)
    minutes = getattr(res, "minutes", None)
    daily_only = minutes is None or not len(minutes)
    for ax, g in zip(axes.ravel(), groups, strict=False):
        if pooled:
            series = [("all points (bands over points and seeds)",
                       np.vstack([paths[(g, p)] for p in points]))]
        else:
            series = [(_label(res, p), paths[(g, p)]) for p in points]
        for k, (lab, ys) in enumerate(series):
            col = _COLOURS[k % len(_COLOURS)]
            q = np.percentile(ys, [5, 25, 50, 75, 95], axis=0)
            ax.fill_between(x, q[1], q[3], color=col, alpha=0.22, lw=0)
            if len(series) == 1:
                ax.fill_between(x, q[0], q[4], color=col, alpha=0.10, lw=0)
            else:  # overlapping 90% fills of several points muddy each other: outlines
                for b in (q[0], q[4]):
                    ax.plot(x, b, color=col, lw=0.7, alpha=0.8, ls=(0, (4, 2)))
            ax.plot(x, q[2], color=col, lw=1.8, label=lab)
            if daily_only:  # the path is sampled at each open and close only: show where
                ax.plot(x[1::2], q[2][1::2], "o", ms=4, mfc="white", mec=col, mew=1.2)
                ax.plot(x[2::2], q[2][2::2], "o", ms=4, color=col)
        ax.axhline(0, color="0.35", lw=0.6)
        for i, (xs, _name) in enumerate(marks, start=1):  # numbered; the key is below
            ax.axvline(xs, color="0.25", lw=0.8, ls=(0, (3, 2)))
            ax.text(xs, 1.0, str(i), transform=ax.get_xaxis_transform(), fontsize=7,
                    va="bottom", ha="center", color="0.15")
        for d in range(1, len(dates)):
            ax.axvline(d, color="0.85", lw=0.5, zorder=0)
        ax.set_title(g, fontsize=10, loc="left", pad=10)
        ax.set_ylabel("return vs previous close, %")
        ax.grid(axis="y", alpha=0.25)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
    for ax in axes.ravel()[len(groups):]:
        ax.set_visible(False)
    ticks = [d + 0.5 for d in range(len(dates))]
    for ax in axes.ravel():
        ax.tick_params(labelbottom=True)
        ax.set_xticks(ticks, [dt.date.fromisoformat(d).strftime("%a %d %b") for d in dates],
                      fontsize=8)
        ax.set_xlim(0, len(dates))
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    spare = axes.ravel()[len(groups):]
    title = ("median over seeds; shaded: 50% of seeds; "
             + ("90%: light shade" if pooled or len(points) == 1 else "90%: dashed")
             + ("; each day's open (hollow) and close (filled)" if daily_only else ""))
    if marks:
        title += "\nshocks: " + "; ".join(f"{i} {n}" for i, (_x, n) in enumerate(marks, 1))
    if len(spare):  # the legend in the empty panel
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, labels, loc="center", frameon=False, fontsize=9, title=title,
                        title_fontsize=9)
    else:
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)),
                   frameon=False, fontsize=8, title=title, title_fontsize=8)
    n_pts = len(res.meta["design"]["rows"])
    fig.suptitle(f"{res.meta['scenario']}: {n_pts} point{'s' * (n_pts != 1)} x "
                 f"{n_seeds} seed{'s' * (n_seeds != 1)}, equal-weighted by group", fontsize=11)
    fig.tight_layout(rect=(0, 0 if len(spare) else 0.07, 1, 1))
    return save_png(fig, path)
