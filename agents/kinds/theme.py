"""Theme traders: value traders who read every news as news about the AI theme (a row's
jump as `agents.beliefs.theme_jump` reads it), homed on the theme's stocks. They share the value
traders' columns, parameters, decision and twin (agents/kinds/fundamental.py); their view of
the news differs (`agents._kernels._view`, by their code).
"""

from dataclasses import dataclass

import numpy as np

from ..params import param
from . import home_stocks, register
from .fundamental import COLUMNS, Fundamental, decide, endow, fill, twin

__all__ = ["Theme", "SPEC"]


@dataclass(frozen=True)
class Theme(Fundamental):
    """Theme traders: value traders who hold the AI theme as a theme. They read every news as
    news about the theme: a row's jump averaged over the theme's stocks (weights: market value
    times the AI-linked share of value, agents/expectations.py), not their own stock's jump, so a
    power producer or a lithography maker is marked down with the theme (style investing:
    Barberis & Shleifer 2003; comovement beyond fundamentals: Barberis, Shleifer & Wurgler 2005).
    They trade as value traders do (the same parameters and capital, `Fundamental`), homed on the
    theme's stocks in proportion to the square root of market value times the AI-linked share.

    Sized from the crowding of the trade before the event: "long Magnificent 7" was the most
    crowded trade in BofA's Global Fund Manager Survey through 2024 and again in January 2025,
    and thematic AI and semiconductor ETFs had drawn record inflows in 2024 (SMH and SOXX about
    $35-40bn at the end of 2024): a large part of the institutions in these stocks held them as
    one trade. 750 theme traders beside the 3,000 value traders make about a fifth of the
    value-type traders (a third in Nvidia, none in Apple): an order of magnitude, not
    fitted. With the theme channel off they read news as their own stock's (ordinary value
    traders), so runs differ only in that.
    """

    count: int = param(750, 0, 200_000, doc="investors")



def homes(build, ks, c, rows) -> None:
    """Homed in proportion to sqrt(market value) x the AI-linked share (the theme's weights
    being value x that share; without them, as value traders)."""
    n = rows.stop - rows.start
    if not n:
        return
    tw = build.options.get("theme_weights")
    mv = build.mv
    w = build.weights if tw is None else (
        np.asarray(tw, float) / np.sqrt(np.maximum(mv, 1e-300)))
    build.home[rows] = home_stocks(n, w, build.rng)
    build.rate[rows] = c.rate_per_min / 60.0


SPEC = register("theme", columns=COLUMNS, params=Theme, decide=decide, twin=twin, homes=homes,
                fill=fill, endow=endow, lines=2)
