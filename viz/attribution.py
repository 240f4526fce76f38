"""attribution.png: each stock's shock-day move split into the contagion channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viz import save_png

__all__ = ["plot_attribution"]

PARTS = (("direct_pct", "direct hit (no channel needed)", "0.55"),
         ("fundamental", "fundamental: supply network", "tab:blue"),
         ("informational", "informational: news spreading, trend following", "tab:orange"),
         ("fire_sale", "fire sales by leveraged funds", "tab:red"),
         ("liquidity", "liquidity: market makers pulling back", "tab:purple"),
         ("no_shock_pct", "ordinary noise (no-shock run)", "0.85"))


def plot_attribution(res: dict, path: Path) -> Path:
    """Diverging stacked bars per stock (percentage points), a dot at the whole move."""
    from viz import pyplot

    plt = pyplot()

    tickers = res["tickers"]
    order = sorted(range(len(tickers)), key=lambda j: res["move_pct"][tickers[j]])
    n = len(tickers)
    fig, ax = plt.subplots(figsize=(9, 0.38 * n + 1.8))
    pos = np.zeros(n)
    neg = np.zeros(n)
    y = np.arange(n)
    for key, label, color in PARTS:
        src = res[key] if key.endswith("_pct") else res["channels_pct"][key]
        v = np.array([src[tickers[j]] for j in order])
        base = np.where(v >= 0, pos, neg)
        ax.barh(y, v, left=base, color=color, label=label, height=0.7)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax.scatter([res["move_pct"][tickers[j]] for j in order], y, color="black", zorder=3, s=14,
               label="move with every channel on")
    ax.axvline(0, color="0.2", lw=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels([tickers[j] for j in order])
    ax.set_xlabel("percentage points of the day's close-to-close return")
    ax.set_title(f"{res['scenario']}, {res['date']}: who fell and why "
                 f"(mean of {len(res['seeds'])} seeds)", fontsize=10, loc="left")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.grid(axis="x", color="0.92")
    fig.tight_layout()
    return save_png(fig, path)
