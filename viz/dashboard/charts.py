"""The classroom's charts: matplotlib figures with fixed axes, kept per run and updated in place.

Each view is a chart object built once per ClassroomModel (:func:`chart`): its figure, axes,
titles and static lines are drawn once into a background image; a redraw moves only the
artists that change (``set_data`` on lines, new heights on bars, new text on labels), paints
them over the background (blitting) and encodes the PNG with light compression. The background
is redrawn only when what it shows changes (the price chart's y-limits widen, the book's price
window moves). Sized and lettered for a 1280x720 projector: each view is drawn at the pixel size
it has there (VIEW_PX: the page's main area), so it is shown 1:1 and its letters are 14-16 px;
x is every minute of the scenario, so the picture does not jump while it plays.

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

from scenarios.engine.model import MINUTES
from scenarios.studies.run import ROLE_GROUPS

__all__ = ["price_figure", "book_figure", "network_figure", "motive_figure",
           "leverage_figure", "chart", "png", "FONT", "VIEWS"]

FONT = 13  #: base font size (points; 14.4 px at DPI): readable from the back of a classroom
DPI = 80  #: pixels per inch of the PNGs the page shows
#: (width, height) in pixels of a view in the page's main area at 1280x720 (the page's left
#: column is 330 px, its header and tabs about 110 px); the book's chart sits beside its table
VIEW_PX = (920, 580)
BOOK_PX = (560, 560)
#: PNG compression (zlib level): 1 encodes several times faster than the default 6, and the
#: page is served on this machine or a classroom's network, where the bigger file costs nothing
PNG_LEVEL = 1
_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
           "tab:olive", "tab:cyan", "0.35")


def _fig(px, **margins):
    """A figure of `px` = (width, height) pixels at DPI with fixed margins (fractions)."""
    # fixed margins, not constrained layout: it re-solves the layout on every draw
    fig = Figure(figsize=(px[0] / DPI, px[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**{"left": 0.12, "right": 0.97, "top": 0.9, "bottom": 0.14, **margins})
    return fig


def _shocks(ax, cm):
    for g in cm.shock_at:
        ax.axvline(g, color="tab:red", lw=1.2, ls="--", alpha=0.8)


def _xdays(ax, cm, label_px: float = 70.0):
    """Days on the x axis: a grey line at each open, the day's name under its middle; on a
    narrow axis or a long run, only every k-th day is named, so no two names touch (a name
    takes about `label_px` pixels)."""
    from scenarios.engine.calendar import trading_dates

    days = cm.sc.days
    ax.set_xlim(0, days * MINUTES)
    width_px = ax.get_position().width * ax.figure.get_figwidth() * ax.figure.dpi
    stride = max(1, int(np.ceil(days * label_px / max(width_px, 1.0))))
    dates = trading_dates(cm.sc.start_date, days)
    fmt = "%a %d" if stride == 1 else "%d %b"
    shown = range(0, days, stride)
    ax.set_xticks([d * MINUTES + MINUTES // 2 for d in shown])
    ax.set_xticklabels([dt.date.fromisoformat(dates[d]).strftime(fmt) for d in shown],
                       fontsize=FONT - 1)
    ax.tick_params(axis="x", length=0)
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


def _since(cm) -> str:
    """'Thu 23 Jan close': the close the price paths are measured from."""
    from viz.dashboard.state import day_label

    return f"{day_label(cm.base_date())} close"


class PriceChart(_Chart):
    """Price paths by role, percent since the close before the run's first day (every day's
    line continues the day before's), the twin dashed over the main run, shocks dashed red;
    bottom: main minus twin (percentage points) for the most moved stocks. The tickers are
    named beside each panel."""

    N_DIFF = 6  #: stocks in the difference panel

    def __init__(self, cm):
        super().__init__(cm, _fig(VIEW_PX, left=0.055, right=0.90, top=0.89, bottom=0.05,
                                  hspace=0.55, wspace=0.42))
        groups = [(title, [j for j, r in enumerate(cm.main.roles) if r in roles])
                  for title, roles in ROLE_GROUPS]
        groups = [(t, js) for t, js in groups if js]
        n = len(groups)
        ncol = 2 if n > 1 else 1
        nrow = (n + ncol - 1) // ncol + 1
        gs = self.fig.add_gridspec(nrow, ncol, height_ratios=[1.0] * (nrow - 1) + [0.85])
        self.x = np.arange(cm.sc.days * MINUTES)
        self.has_twin = cm.twin_model is not None
        self.lines = []  # (main line, twin line or None, stock)
        self.group_axes = []
        for k, (title, js) in enumerate(groups):
            ax = self.fig.add_subplot(gs[k // ncol, k % ncol])
            self.group_axes.append(ax)
            for c, j in enumerate(js):
                col = _COLORS[c % len(_COLORS)]
                main = self._anim(ax.plot([], [], color=col, lw=2.0)[0])
                twin = (self._anim(ax.plot([], [], color=col, lw=1.6, ls=(0, (3, 2)),
                                           alpha=0.85)[0]) if self.has_twin else None)
                self.lines.append((main, twin, j))
            ax.axhline(0, color="0.3", lw=0.8)
            _shocks(ax, cm)
            _xdays(ax, cm)
            ax.set_title(title, fontsize=FONT, loc="left")
            ax.tick_params(labelsize=FONT - 2)
            # the legend is static: proxy lines (a legend of the moving lines would copy their
            # animated flag and be left out of the background)
            ax.legend([Line2D([], [], color=_COLORS[c % len(_COLORS)], lw=2.0)
                       for c in range(len(js))], [cm.main.tickers[j] for j in js],
                      fontsize=FONT - 3, loc="upper left", bbox_to_anchor=(1.0, 1.05),
                      frameon=False, handlelength=1.0, borderaxespad=0.2, labelspacing=0.15,
                      ncol=1 if len(js) <= 8 else 2)
        twin = f"dashed: the twin ({cm.card.twin})" if self.has_twin else "no twin"
        self.fig.suptitle(f"% since {_since(cm)} (each day continues the day before)  ·  "
                          f"solid: this run  ·  {twin}", fontsize=FONT, x=0.01, ha="left")
        self.dax = ax = self.fig.add_subplot(gs[nrow - 1, :])
        self.diff_lines = [self._anim(ax.plot([], [], lw=2.0, color=_COLORS[c])[0])
                           for c in range(self.N_DIFF)]
        self._diff_legend = None
        self._top = ()
        ax.axhline(0, color="0.3", lw=0.8)
        _shocks(ax, cm)
        _xdays(ax, cm)
        ax.tick_params(labelsize=FONT - 2)
        label = cm.card.twin if self.has_twin else "no twin"
        ax.set_title(f"this run minus the twin ({label}), percentage points",
                     fontsize=FONT, loc="left")

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
                handles = [Line2D([], [], lw=2.0, color=_COLORS[c]) for c in range(len(top))]
                self._diff_legend = self._anim(self.dax.legend(
                    handles, [cm.main.tickers[j] for j in top], fontsize=FONT - 3,
                    loc="upper left", bbox_to_anchor=(1.0, 1.05), frameon=False,
                    handlelength=1.0, borderaxespad=0.2, labelspacing=0.15))
            self._top = top
        return (lo, hi, d)


class BookChart(_Chart):
    """One stock's order book now: shares resting at each price (bids green, asks red),
    10 levels a side. The price window (a fixed span around the last mid) and the share axis
    (in steps) move only when the book leaves them."""

    LEVELS = 10

    def __init__(self, cm, stock: int):
        super().__init__(cm, _fig(BOOK_PX, left=0.2, right=0.96, top=0.92, bottom=0.11))
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
    """The supply network, each traded firm coloured by its move on the day shown, against
    the previous trading day's close (red down, green up, +-15% full colour); firms not traded
    in this world are grey. Edges and layout are drawn once; the nodes' colours and labels
    move, and the title names the day."""

    def __init__(self, cm):
        import matplotlib as mpl
        import networkx as nx

        super().__init__(cm, _fig(VIEW_PX, left=0.01, right=0.99, bottom=0.02, top=0.92))
        g = cm.main.graph
        pos = cm.layout()
        self.cmap = mpl.colormaps["RdYlGn"]
        self.norm = mpl.colors.Normalize(-15, 15)
        self.ax = ax = self.fig.add_subplot()
        self.nodes = [n for n in g.nodes if n in pos]
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color="0.6", arrows=True, arrowsize=10,
                               width=0.9, node_size=1800)
        self.coll = self._anim(nx.draw_networkx_nodes(
            g, pos, nodelist=self.nodes, node_color=[(0.8, 0.8, 0.8, 1.0)] * len(self.nodes),
            ax=ax, node_size=1800, edgecolors="0.2"))
        texts = nx.draw_networkx_labels(g, pos, labels={n: n for n in self.nodes},
                                        font_size=FONT - 2, ax=ax)
        self.labels = {n: self._anim(texts[n]) for n in self.nodes}
        ax.axis("off")
        self.fig.colorbar(mpl.cm.ScalarMappable(norm=self.norm, cmap=self.cmap), ax=ax,
                          shrink=0.6, pad=0.01).set_label(
            "% on the day, vs the previous day's close", fontsize=FONT - 1)
        self._day = None

    def update(self):
        from scenarios.engine.calendar import trading_dates
        from viz.dashboard.state import day_label

        cm = self.cm
        moves = dict(zip(cm.main.tickers, cm.moves(), strict=True))
        self.coll.set_facecolor([self.cmap(self.norm(moves[n])) if n in moves
                                 else (0.8, 0.8, 0.8, 1.0) for n in self.nodes])
        for n, txt in self.labels.items():
            txt.set_text(f"{n}\n{moves[n]:+.1f}%" if n in moves else n)
            # white on the darkest reds and greens, black elsewhere
            txt.set_color("white" if n in moves and abs(moves[n]) > 9 else "black")
        d = cm.day_shown()
        if d != self._day:  # the title names the day and the close it is measured from
            dates = trading_dates(cm.sc.start_date, cm.sc.days)
            prev = dates[d - 1] if d > 0 else cm.base_date()
            self.ax.set_title(f"supply network (suppliers left, buyers of compute right): each "
                              f"firm's move on {day_label(dates[d])} vs its {day_label(prev)} "
                              "close", fontsize=FONT, loc="left")
            self._day = d
        return d


class MotiveChart(_Chart):
    """Who bought and sold, and why: net dollars bought (+) or sold (-) by motive, all stocks,
    on the day shown and on the day before it (kept after the next open); forced trades red
    (funds' margin calls, value traders' cuts past their risk limits: sales or covering buys).
    Every motive on the tape but "none" (and "student", which no page's world has) has a row.
    The dollar axis is symmetric and grows in 1-2-5 steps."""

    def __init__(self, cm):
        super().__init__(cm, _fig(VIEW_PX, left=0.2, right=0.97, top=0.86, bottom=0.12))
        # "student" (the trading floor's people) never trades in the classroom page's worlds
        names = [k for k in cm.traded_by_motive(0) if k not in ("none", "student")]
        self.names = names
        self.ax = ax = self.fig.add_subplot()
        n = len(names)
        y = np.arange(n)
        self.today = [self._anim(b) for b in ax.barh(y - 0.2, np.zeros(n), height=0.38,
                                                     color=[_motive_color(k) for k in names])]
        self.before = [self._anim(b) for b in ax.barh(y + 0.2, np.zeros(n), height=0.38,
                                                      color=[_motive_color(k, light=True)
                                                             for k in names])]
        self.texts = [self._anim(ax.text(0, yy - 0.2, "", va="center", fontsize=FONT - 2))
                      for yy in y]
        ax.set_yticks(y, [k.replace("_", " ") for k in names], fontsize=FONT)
        ax.invert_yaxis()
        ax.axvline(0, color="0.2", lw=1.0)
        ax.set_xlabel("$ millions, net: bought minus sold (all stocks, each minute's shares at "
                      "its closing price)", fontsize=FONT - 1)
        ax.tick_params(axis="x", labelsize=FONT - 1)
        ax.set_title("who bought and sold, and why (forced trades in red: margin calls, "
                     "risk cuts)", fontsize=FONT + 1, loc="left", pad=30)
        self.legend = None
        self._xmax = None
        self._days = None

    def update(self):
        from scenarios.engine.calendar import trading_dates
        from viz.dashboard.state import day_label

        cm = self.cm
        d = cm.day_shown()
        today = cm.net_by_motive(d)
        before = cm.net_by_motive(d - 1) if d > 0 else None
        v1 = np.array([today.get(k, 0.0) for k in self.names]) / 1e6
        v0 = (np.array([before.get(k, 0.0) for k in self.names]) / 1e6
              if before is not None else np.zeros(len(self.names)))
        for bars, vals in ((self.today, v1), (self.before, v0)):
            for b, v in zip(bars, vals, strict=True):
                b.set_width(v)
                b.set_visible(before is not None or bars is self.today)
        for t, v in zip(self.texts, v1, strict=True):
            t.set_x(v)
            t.set_ha("left" if v >= 0 else "right")
            t.set_text(f" {v:+,.1f} " if abs(v) >= 0.05 else " 0 ")
        top = max(1.0, float(np.abs(np.concatenate([v0, v1])).max()) * 1.3)
        if self._xmax is None or top > self._xmax or top < 0.2 * self._xmax:
            self._xmax = _nice_ceiling(top)
        self.ax.set_xlim(-self._xmax, self._xmax)
        dates = trading_dates(cm.sc.start_date, cm.sc.days)
        closed = cm.t >= (d + 1) * MINUTES
        days = (d, closed)
        if days != self._days:  # the legend names the two days
            if self.legend is not None:
                self.legend.remove()
            handles = [Patch(color="tab:blue")]
            labels = [f"{day_label(dates[d])}" + (" (closed)" if closed else " (so far)")]
            if d > 0:
                handles.append(Patch(color=_motive_color("value", light=True)))
                labels.append(f"{day_label(dates[d - 1])} (the day before)")
            self.legend = self.ax.legend(handles, labels, fontsize=FONT - 1, frameon=False,
                                         loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2,
                                         borderaxespad=0.1)
            self._days = days
        return (self._xmax, days)


def _motive_color(name: str, light: bool = False):
    """Forced trades red, everything else blue; the day before in a lighter shade."""
    import matplotlib.colors as mc

    base = "tab:red" if name == "forced" else "tab:blue"
    if not light:
        return base
    r, g, b = mc.to_rgb(base)
    return (1 - 0.55 * (1 - r), 1 - 0.55 * (1 - g), 1 - 0.55 * (1 - b))


class LeverageChart(_Chart):
    """Leveraged funds' leverage as a share of each fund's own limit (median and highest fund),
    over the run: margin funds' limit is the scenario's (3.2x), long-only funds' 1x."""

    def __init__(self, cm):
        super().__init__(cm, _fig(VIEW_PX, left=0.09, right=0.97, top=0.9, bottom=0.1))
        ax = self.fig.add_subplot()
        self.x = np.arange(cm.sc.days * MINUTES)
        self.med = self._anim(ax.plot([], [], lw=2.2, color="tab:blue")[0])
        self.top = self._anim(ax.plot([], [], lw=2.0, color="tab:orange")[0])
        limit = cm.sc.population.leveraged.leverage_limit
        lim = ax.axhline(1.0, color="tab:red", lw=1.8)
        _shocks(ax, cm)
        _xdays(ax, cm)
        ax.set_ylim(0.4, 1.6)
        ax.set_ylabel("leverage / the fund's limit", fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
        ax.legend([Line2D([], [], lw=2.2, color="tab:blue"),
                   Line2D([], [], lw=2.0, color="tab:orange"), lim],
                  ["median fund", "the fund nearest its limit",
                   f"its limit ({limit:g}x on margin, 1x long-only): forced sales above"],
                  fontsize=FONT - 1, frameon=False, loc="upper left")
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
    """Who bought and sold, and why, as a Figure (see MotiveChart)."""
    return chart(cm, "motives").figure()


def leverage_figure(cm) -> Figure:
    """Leveraged funds' leverage against their limit as a Figure (see LeverageChart)."""
    return chart(cm, "leverage").figure()
