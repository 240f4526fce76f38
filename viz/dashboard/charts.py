"""The classroom's charts: matplotlib figures with fixed axes, drawn from a ClassroomModel.

Each function returns a Figure (Agg, no pyplot state kept), sized and lettered for a projector.
Axes are fixed over the whole run (x: every minute of the scenario) so a redraw is cheap and
the picture does not jump while it plays.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from scenarios.model import MINUTES
from scenarios.run import ROLE_GROUPS

__all__ = ["price_figure", "book_figure", "network_figure", "motive_figure",
           "leverage_figure", "FONT"]

FONT = 14  #: base font size (points): readable from the back of a classroom


def _fig(w, h, **margins):
    # fixed margins, not constrained layout: it re-solves the layout on every draw (measured:
    # about half of a redraw)
    fig = Figure(figsize=(w, h), dpi=80)
    fig.subplots_adjust(**{"left": 0.12, "right": 0.97, "top": 0.9, "bottom": 0.14, **margins})
    return fig


def _shocks(ax, cm):
    for g in cm.shock_at:
        ax.axvline(g, color="tab:red", lw=1.2, ls="--", alpha=0.8)


def _xdays(ax, cm):
    days = cm.sc.days
    ax.set_xlim(0, days * MINUTES)
    ax.set_xticks([d * MINUTES + MINUTES // 2 for d in range(days)])
    import datetime as dt

    from scenarios.calendar import trading_dates

    ax.set_xticklabels([dt.date.fromisoformat(d).strftime("%a %d") for d in
                        trading_dates(cm.sc.start_date, days)], fontsize=FONT - 1)
    for d in range(1, days):
        ax.axvline(d * MINUTES, color="0.8", lw=0.8, zorder=0)


def price_figure(cm) -> Figure:
    """Price paths by role against the previous close (%), the twin dotted over the main run,
    shocks dashed red; bottom: main minus twin (percentage points) for the most moved stocks."""
    main = cm.rel_paths()
    twin = cm.rel_paths(cm.twin_model) if cm.twin_model is not None else None
    groups = [(title, [j for j, r in enumerate(cm.main.roles) if r in roles])
              for title, roles in ROLE_GROUPS]
    groups = [(t, js) for t, js in groups if js]
    fig = _fig(13, 8.5, left=0.07, right=0.99, top=0.95, bottom=0.05, hspace=0.5,
               wspace=0.15)
    n = len(groups)
    ncol = 2 if n > 1 else 1
    nrow = (n + ncol - 1) // ncol + 1
    gs = fig.add_gridspec(nrow, ncol)
    x = np.arange(main.shape[0])
    lo, hi = cm.y_range
    cmap = {0: "tab:blue", 1: "tab:orange", 2: "tab:green", 3: "tab:purple", 4: "tab:brown",
            5: "tab:pink", 6: "tab:olive", 7: "tab:cyan", 8: "0.35"}
    for k, (title, js) in enumerate(groups):
        ax = fig.add_subplot(gs[k // ncol, k % ncol])
        for c, j in enumerate(js):
            col = cmap[c % 9]
            ax.plot(x, main[:, j], color=col, lw=1.8, label=cm.main.tickers[j])
            if twin is not None:
                ax.plot(x, twin[:, j], color=col, lw=1.2, ls=":")
        ax.axhline(0, color="0.3", lw=0.8)
        _shocks(ax, cm)
        _xdays(ax, cm)
        ax.set_ylim(lo, hi)
        ax.set_title(title, fontsize=FONT + 1, loc="left")
        ax.tick_params(labelsize=FONT - 1)
        ax.set_ylabel("% vs prev. close", fontsize=FONT - 1)
        ax.legend(fontsize=FONT - 2, ncol=min(4, len(js)), loc="lower left", frameon=False)
    ax = fig.add_subplot(gs[nrow - 1, :])
    if twin is not None and main.shape[0]:
        diff = main - twin
        top = np.argsort(-np.abs(diff[-1]))[:6]
        for c, j in enumerate(top):
            ax.plot(x, diff[:, j], lw=1.8, color=cmap[c % 9], label=cm.main.tickers[j])
        ax.legend(fontsize=FONT - 2, ncol=6, loc="lower left", frameon=False)
    ax.axhline(0, color="0.3", lw=0.8)
    _shocks(ax, cm)
    _xdays(ax, cm)
    ax.set_ylim(-cm.diff_range, cm.diff_range)
    ax.tick_params(labelsize=FONT - 1)
    label = cm.card.twin if cm.twin_model is not None else "no twin"
    ax.set_title(f"this run minus the twin ({label}), percentage points", fontsize=FONT + 1,
                 loc="left")
    return fig


def book_figure(cm, stock: int) -> Figure:
    """One stock's order book now: shares resting at each price (bids green, asks red)."""
    fig = _fig(6.5, 4.6, left=0.18)
    ax = fig.add_subplot()
    bp, bq, ap, aq = cm.main.exchange.depth(stock, 10)
    prices = np.sort(np.concatenate([bp, ap])).astype(float)
    gap = float(np.diff(prices).min()) if prices.size > 1 else 1.0
    height = 0.8 * max(1.0, gap) / 100.0  # dollars: most of the space between two levels
    ax.barh(bp / 100.0, bq, height=height, color="tab:green", label="bids")
    ax.barh(ap / 100.0, aq, height=height, color="tab:red", label="asks")
    ax.set_xlabel("shares resting", fontsize=FONT)
    ax.set_ylabel("price ($)", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.set_title(f"{cm.main.tickers[stock]}: the book (10 levels a side)", fontsize=FONT + 1,
                 loc="left")
    if len(bp) or len(ap):
        ax.legend(fontsize=FONT - 1, frameon=False)
    else:
        ax.text(0.5, 0.5, "empty book (closed or halted)", transform=ax.transAxes,
                ha="center", fontsize=FONT)
    return fig


def network_figure(cm) -> Figure:
    """The supply network, each traded firm coloured by its move so far (red down, green up,
    +-15% full colour); firms not traded in this world are grey."""
    import matplotlib as mpl
    import networkx as nx

    g = cm.main.graph
    pos = cm.layout()
    moves = dict(zip(cm.main.tickers, cm.moves(), strict=True))
    cmap = mpl.colormaps["RdYlGn"]
    norm = mpl.colors.Normalize(-15, 15)
    fig = _fig(7.5, 5.6, left=0.01, right=0.99, bottom=0.01, top=0.93)
    ax = fig.add_subplot()
    nodes = [n for n in g.nodes if n in pos]
    colors = [cmap(norm(moves[n])) if n in moves else (0.8, 0.8, 0.8, 1.0) for n in nodes]
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="0.6", arrows=True, arrowsize=8,
                           width=0.8, node_size=900)
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=colors, ax=ax, node_size=900,
                           edgecolors="0.2")
    labels = {n: (f"{n}\n{moves[n]:+.1f}%" if n in moves else n) for n in nodes}
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=FONT - 3, ax=ax)
    ax.set_title("supply network: compute flows from suppliers (left) to buyers (right)",
                 fontsize=FONT, loc="left")
    ax.axis("off")
    fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6,
                 label="% vs previous close")
    return fig


def motive_figure(cm) -> Figure:
    """Who sold and why: shares sold today by motive, all stocks; forced sales in red."""
    sold = cm.sold_by_motive(day_only=True)
    names = [k for k in sold if k != "forced"] + ["forced"]
    vals = np.array([sold[k] for k in names], float) / 1e6
    fig = _fig(6.5, 4.6, left=0.26)
    ax = fig.add_subplot()
    colors = ["tab:red" if k == "forced" else "tab:blue" for k in names]
    ax.barh([k.replace("_", " ") for k in names], vals, color=colors)
    ax.invert_yaxis()
    ax.set_xlabel("millions of shares sold today (all stocks)", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    for y, v in enumerate(vals):
        ax.text(v, y, f" {v:.2f}", va="center", fontsize=FONT - 2)
    ax.set_xlim(0, max(0.1, vals.max() * 1.25))
    ax.set_title("who sold, and why (forced sales in red)", fontsize=FONT + 1, loc="left")
    return fig


def leverage_figure(cm) -> Figure:
    """Leveraged funds' leverage (median and highest fund) against their limit, over the run."""
    fig = _fig(6.5, 4.6, left=0.15)
    ax = fig.add_subplot()
    h = cm.lev_history[: cm.t]
    x = np.arange(h.shape[0])
    limit = cm.sc.population.leveraged.leverage_limit
    if h.shape[0]:
        ax.plot(x, h[:, 0], lw=1.8, label="median fund")
        ax.plot(x, h[:, 1], lw=1.4, label="most leveraged fund")
    ax.axhline(limit, color="tab:red", lw=1.8, label=f"limit {limit:g}x: forced sales")
    _shocks(ax, cm)
    _xdays(ax, cm)
    start = cm.sc.population.leveraged.leverage
    ax.set_ylim(min(start, limit) - 0.5, max(limit, start) + 1.0)
    ax.set_ylabel("gross exposure / equity", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.legend(fontsize=FONT - 2, frameon=False, loc="upper left")
    ax.set_title("leveraged funds against their limit", fontsize=FONT + 1, loc="left")
    return fig
