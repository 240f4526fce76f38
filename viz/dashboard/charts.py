"""The classroom's charts: matplotlib figures with fixed axes, kept per run and updated in place.

Each view is a chart object built once per ClassroomModel (:func:`chart`): its figure, axes,
titles and static lines are drawn once into a background image; a redraw moves only the
artists that change (``set_data`` on lines, new heights on bars, new text on labels), paints
them over the background (blitting) and encodes the PNG with light compression. The background
is redrawn only when what it shows changes (the price chart's y-limits widen, the book's price
window moves). Sized and lettered for a projector; x is every minute
of the scenario, so the picture does not jump while it plays.

``price_figure(cm)`` and the other ``*_figure`` functions return the updated Figure (for
exports and tests); ``png(cm, name)`` returns the view's PNG bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import weakref

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scenarios.model import MINUTES
from scenarios.run import ROLE_GROUPS

__all__ = ["price_figure", "book_figure", "network_figure", "motive_figure",
           "leverage_figure", "chart", "png", "FONT", "VIEWS"]

FONT = 14  #: base font size (points): readable from the back of a classroom
DPI = 80  #: pixels per inch of the PNGs the page shows
#: PNG compression (zlib level): 1 encodes several times faster than the default 6, and the
#: page is served on this machine or a classroom's network, where the bigger file costs nothing
PNG_LEVEL = 1
_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
           "tab:olive", "tab:cyan", "0.35")


def _fig(w, h, **margins):
    # fixed margins, not constrained layout: it re-solves the layout on every draw
    fig = Figure(figsize=(w, h), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**{"left": 0.12, "right": 0.97, "top": 0.9, "bottom": 0.14, **margins})
    return fig


def _shocks(ax, cm):
    for g in cm.shock_at:
        ax.axvline(g, color="tab:red", lw=1.2, ls="--", alpha=0.8)


def _xdays(ax, cm):
    from scenarios.calendar import trading_dates

    days = cm.sc.days
    ax.set_xlim(0, days * MINUTES)
    ax.set_xticks([d * MINUTES + MINUTES // 2 for d in range(days)])
    ax.set_xticklabels([dt.date.fromisoformat(d).strftime("%a %d") for d in
                        trading_dates(cm.sc.start_date, days)], fontsize=FONT - 1)
    for d in range(1, days):
        ax.axvline(d * MINUTES, color="0.8", lw=0.8, zorder=0)


class _Chart:
    """A figure drawn once, then updated: subclasses build artists in ``__init__`` (the
    moving ones made with ``animated=True``) and set their data in ``update``, which returns
    the background's key (anything the static part shows that can change)."""

    def __init__(self, cm, fig):
        self.cm = weakref.proxy(cm)  # the cache holds charts by model: no cycle back to it
        self.fig = fig
        self.moving: list = []
        self._key = None
        self._bg = None
        self.lock = threading.Lock()  # one page session may render a view from two threads

    def _anim(self, artist):
        artist.set_animated(True)
        self.moving.append(artist)
        return artist

    def update(self):  # pragma: no cover - every chart defines it
        raise NotImplementedError

    def figure(self) -> Figure:
        """The figure with every artist drawn as it is now (for savefig and exports)."""
        with self.lock:
            with self.cm.lock:
                self.update()
            for a in self.moving:
                a.set_animated(False)
            self.fig.canvas.draw()
            for a in self.moving:
                a.set_animated(True)
            self._key = None  # the canvas now holds the moving artists too
            return self.fig

    def render(self) -> np.ndarray:
        """The chart now as an RGBA array (rows, columns, 4): the background kept from the last
        full draw unless its key changed, the moving artists painted over it."""
        with self.lock:
            with self.cm.lock:  # the data as of one minute (Play steps in another thread)
                key = self.update()
            canvas = self.fig.canvas
            if key != self._key or self._bg is None:
                canvas.draw()  # animated artists are left out of a full draw
                self._bg = canvas.copy_from_bbox(self.fig.bbox)
                self._key = key
            else:
                canvas.restore_region(self._bg)
            for a in self.moving:
                if a.get_visible():
                    self.fig.draw_artist(a)
            return np.asarray(canvas.buffer_rgba()).copy()

    def png(self) -> bytes:
        """The chart now as PNG bytes."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.render()[:, :, :3]).save(buf, format="PNG",
                                                      compress_level=PNG_LEVEL)
        return buf.getvalue()


class PriceChart(_Chart):
    """Price paths by role against the previous close (%), the twin dotted over the main run,
    shocks dashed red; bottom: main minus twin (percentage points) for the most moved stocks."""

    N_DIFF = 6  #: stocks in the difference panel

    def __init__(self, cm):
        super().__init__(cm, _fig(13, 8.5, left=0.07, right=0.99, top=0.95, bottom=0.05,
                                  hspace=0.5, wspace=0.15))
        groups = [(title, [j for j, r in enumerate(cm.main.roles) if r in roles])
                  for title, roles in ROLE_GROUPS]
        groups = [(t, js) for t, js in groups if js]
        n = len(groups)
        ncol = 2 if n > 1 else 1
        nrow = (n + ncol - 1) // ncol + 1
        gs = self.fig.add_gridspec(nrow, ncol)
        self.x = np.arange(cm.sc.days * MINUTES)
        self.has_twin = cm.twin_model is not None
        self.lines = []  # (main line, twin line or None, stock)
        self.group_axes = []
        for k, (title, js) in enumerate(groups):
            ax = self.fig.add_subplot(gs[k // ncol, k % ncol])
            self.group_axes.append(ax)
            for c, j in enumerate(js):
                col = _COLORS[c % len(_COLORS)]
                main = self._anim(ax.plot([], [], color=col, lw=1.8)[0])
                twin = (self._anim(ax.plot([], [], color=col, lw=1.2, ls=":")[0])
                        if self.has_twin else None)
                self.lines.append((main, twin, j))
            ax.axhline(0, color="0.3", lw=0.8)
            _shocks(ax, cm)
            _xdays(ax, cm)
            ax.set_title(title, fontsize=FONT + 1, loc="left")
            ax.tick_params(labelsize=FONT - 1)
            ax.set_ylabel("% vs prev. close", fontsize=FONT - 1)
            # the legend is static: proxy lines (a legend of the moving lines would copy their
            # animated flag and be left out of the background)
            ax.legend([Line2D([], [], color=_COLORS[c % len(_COLORS)], lw=1.8)
                       for c in range(len(js))], [cm.main.tickers[j] for j in js],
                      fontsize=FONT - 2, ncol=min(4, len(js)), loc="lower left",
                      frameon=False)
        self.dax = ax = self.fig.add_subplot(gs[nrow - 1, :])
        self.diff_lines = [self._anim(ax.plot([], [], lw=1.8, color=_COLORS[c])[0])
                           for c in range(self.N_DIFF)]
        self._diff_legend = None
        self._top = ()
        ax.axhline(0, color="0.3", lw=0.8)
        _shocks(ax, cm)
        _xdays(ax, cm)
        ax.tick_params(labelsize=FONT - 1)
        label = cm.card.twin if self.has_twin else "no twin"
        ax.set_title(f"this run minus the twin ({label}), percentage points",
                     fontsize=FONT + 1, loc="left")

    def update(self):
        cm = self.cm
        t = cm.t
        main = cm.rel_paths()
        twin = cm.rel_paths(cm.twin_model) if self.has_twin else None
        x = self.x[:t]
        for ml, tl, j in self.lines:
            ml.set_data(x, main[:, j])
            if tl is not None:
                tl.set_data(x, twin[:, j])
        lo, hi = cm.y_range
        for ax in self.group_axes:
            ax.set_ylim(lo, hi)
        top = ()
        if twin is not None and t:
            diff = main - twin
            top = tuple(int(j) for j in np.argsort(-np.abs(diff[-1]), kind="stable")
                        [: self.N_DIFF])
            for line, j in zip(self.diff_lines, top, strict=False):
                line.set_data(x, diff[:, j])
                line.set_visible(True)
        for line in self.diff_lines[len(top):]:
            line.set_visible(False)
        d = cm.diff_range
        self.dax.set_ylim(-d, d)
        if top != self._top:  # which stocks the difference shows: a new legend, moving too
            if self._diff_legend is not None:
                self.moving.remove(self._diff_legend)
                self._diff_legend.remove()
                self._diff_legend = None
            if top:
                handles = [Line2D([], [], lw=1.8, color=_COLORS[c]) for c in range(len(top))]
                self._diff_legend = self._anim(self.dax.legend(
                    handles, [cm.main.tickers[j] for j in top], fontsize=FONT - 2, ncol=6,
                    loc="lower left", frameon=False))
            self._top = top
        return (lo, hi, d)


class BookChart(_Chart):
    """One stock's order book now: shares resting at each price (bids green, asks red),
    10 levels a side. The price window (a fixed span around the last mid) and the share axis
    (in steps) move only when the book leaves them."""

    LEVELS = 10

    def __init__(self, cm, stock: int):
        super().__init__(cm, _fig(6.5, 4.6, left=0.18))
        self.stock = stock
        self.ax = ax = self.fig.add_subplot()
        n = self.LEVELS
        self.bids = [self._anim(b) for b in ax.barh(np.zeros(n), np.zeros(n), height=0.01,
                                                    color="tab:green")]
        self.asks = [self._anim(b) for b in ax.barh(np.zeros(n), np.zeros(n), height=0.01,
                                                    color="tab:red")]
        ax.set_xlabel("shares resting", fontsize=FONT)
        ax.set_ylabel("price ($)", fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
        ax.set_title(f"{cm.main.tickers[stock]}: the book (10 levels a side)",
                     fontsize=FONT + 1, loc="left")
        ax.legend([Patch(color="tab:green"), Patch(color="tab:red")], ["bids", "asks"],
                  fontsize=FONT - 1, frameon=False, loc="upper right")
        self.empty = self._anim(ax.text(0.5, 0.5, "empty book (closed or halted)",
                                        transform=ax.transAxes, ha="center", fontsize=FONT))
        self._win = None  # (lo, hi) dollars
        self._xmax = None

    def update(self):
        bp, bq, ap, aq = self.cm.main.exchange.depth(self.stock, self.LEVELS)
        prices = np.sort(np.concatenate([bp, ap])).astype(float)
        gap = float(np.diff(prices).min()) if prices.size > 1 else 1.0
        height = 0.8 * max(1.0, gap) / 100.0  # dollars: most of the space between two levels
        for bars, p, q in ((self.bids, bp, bq), (self.asks, ap, aq)):
            for k, b in enumerate(bars):
                if k < len(p):
                    b.set_y(p[k] / 100.0 - height / 2)
                    b.set_height(height)
                    b.set_width(float(q[k]))
                    b.set_visible(True)
                else:
                    b.set_visible(False)
        self.empty.set_visible(prices.size == 0)
        if prices.size:
            lo, hi = prices[0] / 100.0 - height, prices[-1] / 100.0 + height
            w = self._win
            if w is None or lo < w[0] or hi > w[1] or (hi - lo) < 0.25 * (w[1] - w[0]):
                pad = max(hi - lo, 0.05)  # a window twice the book's span, centred on it
                self._win = w = (round(lo - pad / 2, 2), round(hi + pad / 2, 2))
            self.ax.set_ylim(*w)
            qmax = float(max(bq.max(initial=0), aq.max(initial=0)))
            if self._xmax is None or qmax > self._xmax or qmax < 0.2 * self._xmax:
                self._xmax = _nice_ceiling(max(qmax, 10.0) * 1.1)
            self.ax.set_xlim(0, self._xmax)
        return (self._win, self._xmax)


def _nice_ceiling(v: float) -> float:
    """The smallest of 1, 2, 5 x 10^k at or above v."""
    e = 10.0 ** np.floor(np.log10(v))
    return float(next(m * e for m in (1, 2, 5, 10) if m * e >= v))


class NetworkChart(_Chart):
    """The supply network, each traded firm coloured by its move so far (red down, green up,
    +-15% full colour); firms not traded in this world are grey. Edges and layout are drawn
    once; the nodes' colours and labels move."""

    def __init__(self, cm):
        import matplotlib as mpl
        import networkx as nx

        super().__init__(cm, _fig(7.5, 5.6, left=0.01, right=0.99, bottom=0.01, top=0.93))
        g = cm.main.graph
        pos = cm.layout()
        self.cmap = mpl.colormaps["RdYlGn"]
        self.norm = mpl.colors.Normalize(-15, 15)
        ax = self.fig.add_subplot()
        self.nodes = [n for n in g.nodes if n in pos]
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color="0.6", arrows=True, arrowsize=8,
                               width=0.8, node_size=900)
        self.coll = self._anim(nx.draw_networkx_nodes(
            g, pos, nodelist=self.nodes, node_color=[(0.8, 0.8, 0.8, 1.0)] * len(self.nodes),
            ax=ax, node_size=900, edgecolors="0.2"))
        texts = nx.draw_networkx_labels(g, pos, labels={n: n for n in self.nodes},
                                        font_size=FONT - 3, ax=ax)
        self.labels = {n: self._anim(texts[n]) for n in self.nodes}
        ax.set_title("supply network: compute flows from suppliers (left) to buyers (right)",
                     fontsize=FONT, loc="left")
        ax.axis("off")
        self.fig.colorbar(mpl.cm.ScalarMappable(norm=self.norm, cmap=self.cmap), ax=ax,
                          shrink=0.6, label="% vs previous close")

    def update(self):
        cm = self.cm
        moves = dict(zip(cm.main.tickers, cm.moves(), strict=True))
        self.coll.set_facecolor([self.cmap(self.norm(moves[n])) if n in moves
                                 else (0.8, 0.8, 0.8, 1.0) for n in self.nodes])
        for n, txt in self.labels.items():
            txt.set_text(f"{n}\n{moves[n]:+.1f}%" if n in moves else n)
        return 0


class MotiveChart(_Chart):
    """Who sold and why: shares sold today by motive, all stocks; forced sales in red. The
    share axis grows in 1-2-5 steps."""

    def __init__(self, cm):
        super().__init__(cm, _fig(6.5, 4.6, left=0.26))
        sold = cm.sold_by_motive(day_only=True)
        self.names = [k for k in sold if k != "forced"] + ["forced"]
        self.ax = ax = self.fig.add_subplot()
        colors = ["tab:red" if k == "forced" else "tab:blue" for k in self.names]
        n = len(self.names)
        self.bars = [self._anim(b) for b in ax.barh(
            [k.replace("_", " ") for k in self.names], np.zeros(n), color=colors)]
        self.texts = [self._anim(ax.text(0, y, "", va="center", fontsize=FONT - 2))
                      for y in range(n)]
        ax.invert_yaxis()
        ax.set_xlabel("millions of shares sold today (all stocks)", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        ax.set_title("who sold, and why (forced sales in red)", fontsize=FONT + 1, loc="left")
        self._xmax = None

    def update(self):
        sold = self.cm.sold_by_motive(day_only=True)
        vals = np.array([sold[k] for k in self.names], float) / 1e6
        for b, t, v in zip(self.bars, self.texts, vals, strict=True):
            b.set_width(v)
            t.set_x(v)
            t.set_text(f" {v:.2f}")
        top = max(0.1, float(vals.max()) * 1.25)
        if self._xmax is None or top > self._xmax or top < 0.2 * self._xmax:
            self._xmax = _nice_ceiling(top)
        self.ax.set_xlim(0, self._xmax)
        return self._xmax


class LeverageChart(_Chart):
    """Leveraged funds' leverage as a share of each fund's own limit (median and highest fund),
    over the run: margin funds' limit is the scenario's (3.2x), long-only funds' 1x."""

    def __init__(self, cm):
        super().__init__(cm, _fig(6.5, 4.6, left=0.15))
        ax = self.fig.add_subplot()
        self.x = np.arange(cm.sc.days * MINUTES)
        self.med = self._anim(ax.plot([], [], lw=1.8, color="tab:blue")[0])
        self.top = self._anim(ax.plot([], [], lw=1.4, color="tab:orange")[0])
        limit = cm.sc.population.leveraged.leverage_limit
        lim = ax.axhline(1.0, color="tab:red", lw=1.8)
        _shocks(ax, cm)
        _xdays(ax, cm)
        ax.set_ylim(0.4, 1.6)
        ax.set_ylabel("leverage / the fund's limit", fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
        ax.legend([Line2D([], [], lw=1.8, color="tab:blue"),
                   Line2D([], [], lw=1.4, color="tab:orange"), lim],
                  ["median fund", "nearest its limit",
                   f"its limit ({limit:g}x on margin, 1x long-only): forced sales"],
                  fontsize=FONT - 2, frameon=False, loc="upper left")
        ax.set_title("leveraged funds against their limit", fontsize=FONT + 1, loc="left")

    def update(self):
        cm = self.cm
        h = cm.lev_history[: cm.t]
        x = self.x[: h.shape[0]]
        self.med.set_data(x, h[:, 0])
        self.top.set_data(x, h[:, 1])
        return 0


#: view name -> chart class (the book takes the stock as well)
VIEWS = {"prices": PriceChart, "book": BookChart, "network": NetworkChart,
         "motives": MotiveChart, "leverage": LeverageChart}
_CHARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CHARTS_LOCK = threading.Lock()


def chart(cm, name: str, *args) -> _Chart:
    """The chart ``name`` (a key of VIEWS) of model ``cm``, built on first use and kept for
    the model's life (a new model, e.g. after Reset, gets new charts)."""
    with _CHARTS_LOCK:
        per = _CHARTS.setdefault(cm, {})
        key = (name, *args)
        if key not in per:
            per[key] = VIEWS[name](cm, *args)
        return per[key]


def png(cm, name: str, *args) -> bytes:
    """The PNG of view ``name`` of ``cm`` now."""
    return chart(cm, name, *args).png()


def price_figure(cm) -> Figure:
    """The price chart of ``cm`` as a Figure, up to date (see PriceChart)."""
    return chart(cm, "prices").figure()


def book_figure(cm, stock: int) -> Figure:
    """One stock's order book now as a Figure (see BookChart)."""
    return chart(cm, "book", int(stock)).figure()


def network_figure(cm) -> Figure:
    """The supply network coloured by each firm's move as a Figure (see NetworkChart)."""
    return chart(cm, "network").figure()


def motive_figure(cm) -> Figure:
    """Who sold and why today as a Figure (see MotiveChart)."""
    return chart(cm, "motives").figure()


def leverage_figure(cm) -> Figure:
    """Leveraged funds' leverage against their limit as a Figure (see LeverageChart)."""
    return chart(cm, "leverage").figure()
