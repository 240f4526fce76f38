"""attribution.png: each stock's shock-day move split into the contagion channels, beside the
same split of the day's low and of the next day's move."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viz import save_png

__all__ = ["plot_attribution"]

PARTS = (("direct_pct", "rest: the news's own hit and the channels' interactions", "0.55"),
         ("fundamental", "fundamental: supply network", "tab:blue"),
         ("informational", "informational: news spreading, trend following", "tab:orange"),
         ("fire_sale", "fire sales by leveraged funds", "tab:red"),
         ("liquidity", "liquidity: market makers pulling back", "tab:purple"),
         ("arbitrage_limits", "limits to arbitrage: finite capital, risk limits", "tab:brown"),
         ("crowding", "crowding: funds' themes and 2024 winners", "tab:pink"),
         ("fund_flows", "fund flows: ETF and index outflows", "tab:olive"),
         ("expectations", "expectations: AI-linked growth through its duration", "tab:cyan"),
         ("theme", "theme traders: news read as the AI theme's", "gold"),
         ("overreaction", "overreaction to salient news (fades over days)", "tab:green"),
         ("narratives", "narratives: the Jevons reading spreading", "lightseagreen"),
         ("disagreement", "disagreement: investors weighing news differently", "slategray"),
         ("no_shock_pct", "ordinary noise (no-shock run)", "0.85"))

#: the panels: (key in the result, None for the top level; title)
PANELS = ((None, "close-to-close"), ("trough", "low against the previous close"),
          ("next_day", "the next day, close-to-close"))


def _panel(ax, split, tickers, order):
    """Diverging stacked bars of one split (percentage points), a dot at the whole move."""
    n = len(tickers)
    pos = np.zeros(n)
    neg = np.zeros(n)
    y = np.arange(n)
    for key, label, color in PARTS:
        src = split[key] if key.endswith("_pct") else split["channels_pct"].get(key)
        if src is None:
            continue
        v = np.array([src[tickers[j]] or 0.0 for j in order])
        base = np.where(v >= 0, pos, neg)
        ax.barh(y, v, left=base, color=color, label=label, height=0.7)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax.scatter([split["move_pct"][tickers[j]] for j in order], y, color="black", zorder=3, s=14,
               label="move with every channel on")
    ax.axvline(0, color="0.2", lw=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels([tickers[j] for j in order])
    ax.grid(axis="x", color="0.92")


def plot_attribution(res: dict, path: Path) -> Path:
    """One panel per measure (close, trough, next day where there is one), stocks in the order
    of their shock-day move; bars in percentage points."""
    from viz import pyplot

    plt = pyplot()

    tickers = res["tickers"]
    order = sorted(range(len(tickers)), key=lambda j: res["move_pct"][tickers[j]])
    panels = [(k, title) for k, title in PANELS if k is None or k in res]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 0.38 * len(tickers) + 2.8),
                             squeeze=False)
    for q, (key, title) in enumerate(panels):
        ax = axes[0, q]
        _panel(ax, res if key is None else res[key], tickers, order)
        date = res.get("next_date") if key == "next_day" else res["date"]
        ax.set_title(f"{date}: {title}", fontsize=9, loc="left")
        ax.set_xlabel("percentage points")
    n = len(res["seeds"])
    fig.suptitle(f"{res['scenario']}: who fell and why (mean of {n} seed{'' if n == 1 else 's'})",
                 fontsize=10, x=0.01, ha="left")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=5, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return save_png(fig, path)
