"""What each price already assumed: a firm's value split into assets in place, AI-linked growth
and other growth, and how a change in expected AI compute demand moves it through its duration.

A stock's value is its assets in place plus the growth its price assumes. In January 2025 much of
that growth, for many of the 19 firms, was the AI build-out; a shock to expected AI compute
demand moves the growth path, and what it does to a value depends on how much of the value is
that growth and how far out it lies. The decomposition is built by one rule, the same for every
firm, from facts dated 24 January 2025 or earlier (``agents/data/expectations.csv``, every number
with its basis; the file carries the rule's outputs too, and tests/test_expectations.py
recomputes them from its own columns).

The rule, per firm (fractions of its price P, the close on 24 January 2025)::

    V_place = min(P, E / r)            assets in place: consensus forward EPS E as a no-growth
                                       perpetuity (Miller & Modigliani 1961)
    G = P - V_place                    the present value of growth opportunities the price holds
    P_ref = P_anchor * (1 + R_m)       the price had the stock moved with the S&P 500 since the
                                       AI trade began (30 Nov 2022, ChatGPT's release)
    R = clip((P - P_ref) / G, 0, 1)    the share of that growth the AI re-rating explains
    a = max(R, s)                      at least as AI-linked as today's revenue (s: reported share)
    place = V_place / P, ai_growth = a G / P, other_growth = (1 - a) G / P

Durations (Macaulay, years; Dechow, Sloan & Soliman 2004's implied equity duration in its
Gordon form): assets in place 1 / r; AI-linked growth H + 1 / (r - g_L), cash flows that arrive
from its horizon H (``ai_horizon_years``) and then grow at the long-run rate g_L; other growth
1 / (r - g_L). The firm's duration is their value-weighted mean.

A shock to expected AI compute demand of size ``d`` (the fractional change in the demand
expected at the end of the build-out, ``buildout_years`` T from now) changes the expected growth
rate of AI-linked cash flows by ``dg = ln(1 + d) / T`` a year, from now on. With V = CF / (r - g),
dV / V = dg / (r - g): a long-duration value moves several times as much as a short one for the
same dg. Per firm::

    y = x / (S d)                      the supply network's pass-through (agents/networks.py:
                                       x the firm's revenue change, S its AI revenue share; 1
                                       with propagation, the direct part alone without)
    in place:   f_place = exp(y dg / r)                     (duration 1 / r)
    AI growth:  f_ai = exp(p dg (H + 1 / (r - g_L)))        (p: y for sellers; for buyers of
                compute, the cloud share of their revenue times ``cloud_growth_link``)
    dV / V = place S (f_place - 1) + ai_growth (f_ai - 1)   (+ a buyer's capex terms, networks.py)

Each part's log value moves by its duration times the change in its growth rate: the first
order of the Gordon response (for a fall, ``1 / (1 + D |dg|)`` exactly; the two differ by under
a tenth of the move for the falls here) that stays finite for any rise in growth.

A shock to the level of some firms' AI-linked revenue (capex guidance, export controls, a
tariff, a statement about demand) moves the AI-linked part of value in proportion:
``dV / V = A x / S`` with ``A = place S + ai_growth`` the AI-linked share of value.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from .params import param
from .universe import BUYER_ROLES, Universe, UniverseError

__all__ = ["ExpectationParams", "Decomposition", "ExpectationsError", "load_decomposition",
           "decompose", "growth_value_change", "INPUT_COLUMNS", "OUTPUT_COLUMNS"]

#: columns of expectations.csv that are inputs (each number with a basis column beside it)
INPUT_COLUMNS = ("ticker", "price", "ai_dc_share_pct", "eps_fy", "fiscal_year", "eps_basis",
                 "anchor_date", "anchor_price", "benchmark_since_anchor_pct", "anchor_basis",
                 "ai_horizon_years", "horizon_basis")
#: columns that are the rule's outputs (kept in the file for reading; recomputed by the tests)
OUTPUT_COLUMNS = ("place_share", "ai_growth_share", "other_growth_share",
                  "implied_duration_years")


class ExpectationsError(ValueError):
    """The expectations data or a parameter is invalid; the message names the ticker or field."""


@dataclass(frozen=True)
class ExpectationParams:
    """Parameters of the decomposition and of the growth response (module docstring).

    Pre-event public facts, never fits: ``cost_of_equity`` is the 10-year Treasury yield on 24
    January 2025 (4.62%) plus Damodaran's implied equity risk premium of 1 January 2025 (4.33%),
    one rate for every firm; ``long_run_growth`` is nominal growth after the build-out (CBO's
    long-term potential real growth of about 1.8% plus 2% inflation); ``buildout_years`` is the
    horizon of the AI build-out the market priced: the 2025-2030 horizon of the hyperscalers'
    plans, of Stargate's four-year $500bn (21 Jan 2025) and of the data-centre power forecasts
    to 2030 (EPRI, May 2024).
    """

    cost_of_equity: float = param(0.0895, 0.01, 0.5, doc="r: cost of equity, per year")
    long_run_growth: float = param(0.038, -0.05, 0.2, doc="g_L: growth of AI-linked cash "
                                   "flows after the build-out, per year (< r)")
    buildout_years: float = param(5.0, 0.5, 50.0, doc="T: years to the end of the AI "
                                  "build-out a demand shock's size refers to")
    cloud_growth_link: float = param(1.0, 0.0, 1.0, doc="share of a buyer of compute's cloud "
                                     "revenue whose growth moves with compute demand")

    def __post_init__(self):
        if not self.long_run_growth < self.cost_of_equity:
            raise ExpectationsError(
                f"expectations.long_run_growth: must be < cost_of_equity "
                f"({self.cost_of_equity}) (got {self.long_run_growth})")


@dataclass(frozen=True, eq=False)
class Decomposition:
    """Per firm (arrays in universe order): shares of the price and durations (years)."""

    tickers: tuple[str, ...]
    place: np.ndarray  # assets in place / P
    ai_growth: np.ndarray  # AI-linked growth / P
    other_growth: np.ndarray  # other growth / P
    horizon: np.ndarray  # H: years until the AI-linked growth arrives
    duration: np.ndarray  # implied equity duration, years
    ai_duration: np.ndarray  # duration of the AI-linked growth, years


def _rows(source=None) -> list[dict[str, str]]:
    if source is None:
        text = (files("agents") / "data" / "expectations.csv").read_text(encoding="utf-8")
    else:
        with open(source, encoding="utf-8", newline="") as fh:
            text = fh.read()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [c for c in INPUT_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ExpectationsError(f"expectations.csv: missing column(s) {', '.join(missing)}")
    return list(reader)


def _num(row, field, lo=None, hi=None) -> float:
    text = (row.get(field) or "").strip()
    try:
        v = float(text)
    except ValueError:
        raise ExpectationsError(f"{row.get('ticker')}: {field} must be a number "
                                f"(got {text!r})") from None
    if not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ExpectationsError(f"{row.get('ticker')}: {field} must be in [{lo}, {hi}] "
                                f"(got {text!r})")
    return v


def decompose(price, ai_share, eps, anchor_price, benchmark_pct, horizon,
              params: ExpectationParams | None = None) -> dict[str, np.ndarray]:
    """The rule on arrays (one entry per firm): shares of the price and durations.

    Args:
        price: close on 24 January 2025, dollars; ai_share: reported AI/data-centre share of
            revenue (fraction); eps: consensus forward EPS, dollars; anchor_price: the close on
            the anchor date, dollars; benchmark_pct: the S&P 500's return since then, percent;
            horizon: years until the AI-linked growth arrives.
    """
    p = ExpectationParams() if params is None else params
    r, gl = p.cost_of_equity, p.long_run_growth
    price = np.asarray(price, float)
    place_v = np.minimum(price, np.maximum(0.0, np.asarray(eps, float)) / r)
    g = price - place_v
    ref = np.asarray(anchor_price, float) * (1.0 + np.asarray(benchmark_pct, float) / 100.0)
    rerating = np.divide(price - ref, g, out=np.zeros_like(g), where=g > 0)
    a = np.maximum(np.clip(rerating, 0.0, 1.0), np.asarray(ai_share, float))
    place = place_v / price
    ai = a * g / price
    other = (1.0 - a) * g / price
    d_ai = np.asarray(horizon, float) + 1.0 / (r - gl)
    duration = place / r + ai * d_ai + other / (r - gl)
    return {"place": place, "ai_growth": ai, "other_growth": other, "duration": duration,
            "ai_duration": d_ai}


def load_decomposition(universe: Universe, params: ExpectationParams | None = None,
                       source=None) -> Decomposition:
    """The decomposition of every ticker of `universe` from expectations.csv (default: the
    package's), checked against the universe's prices and AI shares."""
    rows = {(r.get("ticker") or "").strip(): r for r in _rows(source)}
    cols = {k: [] for k in ("price", "s", "eps", "anchor", "bench", "h")}
    for i, t in enumerate(universe.tickers):
        row = rows.get(t)
        if row is None:
            raise ExpectationsError(f"{t}: no row in expectations.csv")
        price = _num(row, "price", 0.01)
        if abs(price - universe.close_2025_01_24[i]) > 0.005:
            raise UniverseError(f"{t}: expectations.csv price {price} differs from "
                                f"universe.csv's close {universe.close_2025_01_24[i]}")
        s = _num(row, "ai_dc_share_pct", 0.0, 100.0)
        if s != universe.ai_dc_share_pct[i]:
            raise UniverseError(f"{t}: expectations.csv ai_dc_share_pct {s} differs from "
                                f"universe.csv's {universe.ai_dc_share_pct[i]}")
        cols["price"].append(price)
        cols["s"].append(s / 100.0)
        cols["eps"].append(_num(row, "eps_fy", -1e4, 1e4))
        cols["anchor"].append(_num(row, "anchor_price", 0.01))
        cols["bench"].append(_num(row, "benchmark_since_anchor_pct", -100.0, 1e4))
        cols["h"].append(_num(row, "ai_horizon_years", 0.0, 50.0))
    out = decompose(cols["price"], cols["s"], cols["eps"], cols["anchor"], cols["bench"],
                    cols["h"], params)
    return Decomposition(tickers=tuple(universe.tickers), horizon=np.array(cols["h"]), **out)


def growth_value_change(d: float, dec: Decomposition, ai_revenue_share, pass_through,
                        growth_link, params: ExpectationParams | None = None) -> np.ndarray:
    """dV/V per firm when expected AI compute demand at the end of the build-out moves by `d`.

    `ai_revenue_share` (S) and `pass_through` (y = x / (S d)) come from the supply network;
    `growth_link` (p) is the pass-through into the AI-linked growth (y for sellers, the cloud
    share for buyers). Log-linear in each part's duration (module docstring).
    """
    p = ExpectationParams() if params is None else params
    r, gl = p.cost_of_equity, p.long_run_growth
    if not (math.isfinite(d) and d > -1.0):
        raise ExpectationsError(f"d: must be a finite number > -1 (got {d!r})")
    dg = math.log1p(d) / p.buildout_years
    y = np.asarray(pass_through, float)
    link = np.asarray(growth_link, float)
    f_place = np.exp(y * dg / r)
    f_ai = np.exp(link * dg * (dec.horizon + 1.0 / (r - gl)))
    s = np.asarray(ai_revenue_share, float)
    return dec.place * s * (f_place - 1.0) + dec.ai_growth * (f_ai - 1.0)


def buyer_mask(universe: Universe) -> np.ndarray:
    """Buyers of compute (their AI-linked growth moves with their cloud share)."""
    return np.array([r in BUYER_ROLES for r in universe.roles])


def describe(dec: Decomposition) -> list[dict]:
    """One dict per firm: the decomposition in percent of price and durations in years."""
    return [{"ticker": t, "place_pct": 100 * dec.place[i], "ai_growth_pct": 100 * dec.ai_growth[i],
             "other_growth_pct": 100 * dec.other_growth[i], "horizon_years": float(dec.horizon[i]),
             "duration_years": float(dec.duration[i])} for i, t in enumerate(dec.tickers)]
