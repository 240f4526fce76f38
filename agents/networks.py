"""The two networks: the AI supply network (exposures to AI compute demand) and the investor
information network (how fast news spreads).

Supply network and fundamental value
------------------------------------
A firm's value is ``V = V_base + V_ai``: only the AI-linked part depends on expected AI compute
demand. A shock ``d`` is a fractional change in expected AI compute demand (``d = -0.2``: the
market now expects 20% less compute). Everything is sized from pre-event public facts in
``universe.csv`` and ``supply_edges.csv``; nothing is fitted to how any stock moved.

Notation (per firm ``i``; fractions unless a unit is given)::

    s_i   ai_dc_share_pct / 100: reported share of revenue tied to AI / data centres
    w_ij  weight of supply edge i -> j: share of i's revenue that depends on customer j
    W     w_ij on supplier -> supplier edges only (j sells AI compute or its inputs: the chip
          supply chain, through which a customer's own demand shock reaches its suppliers)
    F     w_ij on edges into buyers of compute (final demand)
    k_j   AI content of buyer j's purchases: 1 for hyperscaler / cloud (GPUs, servers, custom
          accelerators, power for data centres), s_j for other buyers (Apple buys handset chips)

1. AI-linked revenue share, before any shock (sellers)::

       b_i = sum_j F_ij k_j                      AI final demand sold straight to buyers
       S_i = max(s_i, b_i + sum_j W_ij S_j)      fixed point, solved by monotone iteration
       e_i = S_i - sum_j W_ij S_j = max(s_i - sum_j W_ij S_j, b_i)     direct exposure

   A reported AI share already contains the AI revenue that reaches the firm through its
   customers (TSMC's 51% HPC share includes Nvidia's wafers), so the network share is taken out
   of it rather than added on top, which would count it twice. The ``max`` lets the edges raise
   the share where the report misses it (Vistra reports 0%; its edges carry 15% of expected
   data-centre demand). Buyers: ``S_i = e_i = cloud_resale * s_i``.

2. Propagation upstream (Leontief)::

       x = d e + g W x     =>     x = d (I - g W)^-1 e

   ``x_i`` is the fractional change in firm i's revenue; ``g = upstream_gain`` (1: plain Leontief,
   so ``x = d S``; above 1: the bullwhip, each tier upstream swings more than its customer).
   ``propagate=False`` is the no-supply-network counterfactual: ``x = d e``.

3. AI share of value, market-implied from the 2024 run-up::

       r_i = return_2024_pct / 100,  r_m = benchmark_return_pct / 100,  X_i = max(0, r_i - r_m)
       a_i = min(a_max, S_i [(1 + r_m) + tau X_i / (1 + S_i (tau - 1))] / (1 + r_m + X_i))

   Derivation: at the start of 2024 value splits like revenue (``S_i : 1 - S_i``); both parts earn
   the benchmark; the excess return ``X_i`` is earned by the AI part at ``tau = ai_rerating``
   times the rate of the rest. The parts add up to the observed return, so ``S_i <= a_i <= 1``;
   ``a_i = S_i`` with no excess run-up, with ``tau = 1``, or with no AI revenue. As ``tau`` grows,
   the whole excess becomes AI premium.

4. Value change per firm::

       sellers: dV_i / V_i = a_i x_i / S_i      (AI-linked revenue moves by x_i / S_i: d at g=1)
       buyers:  dV_i / V_i = a_i x_i / S_i + d c_i (stranded_capex - buyer_cost_benefit)
       c_i = capex_2025_bn / market value on 24 Jan 2025 (bn): capex intensity

   Less compute needed (``d < 0``) saves a buyer ``buyer_cost_benefit`` years of its 2025 capex
   times ``|d|`` and strands ``stranded_capex`` years of capex already committed times ``|d|``.
   Buyers gain when ``buyer_cost_benefit > stranded_capex`` and ``d < 0``.

Every parameter, its default and its allowed range is in :class:`ExposureParams`; the same text
for the README comes from :func:`formula_text`.

Information network
-------------------
Investors sit on an undirected graph (Watts-Strogatz small world by default). News starts at a few
seeds and crosses each edge after an exponential delay (an SI process / independent cascade);
:func:`spread_times` returns when each investor hears it. :func:`to_csr` hands the graph to compiled
kernels as ``(indptr, indices)`` int64 arrays.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # networkx and pandas load on first use: `selloff scenarios` needs neither
    import networkx as nx
    import pandas as pd

from agents.expectations import Decomposition, ExpectationParams, growth_value_change
from agents.universe import (
    BUYER_ROLES,
    DATA_CENTRE_BUYER_ROLES,
    SELLER_ROLES,
    Universe,
    validate_edges,
)

__all__ = [
    "Exposure",
    "ExposureParams",
    "GRAPH_KINDS",
    "NetworkError",
    "ai_exposure",
    "demand_value_change",
    "exposure_frame",
    "exposure_sources",
    "formula_text",
    "revenue_value_change",
    "supplier_shares",
    "information_graph",
    "spread_times",
    "supply_graph",
    "to_csr",
    "value_change",
]

#: Kinds of investor information graph that :func:`information_graph` builds.
GRAPH_KINDS = ("small_world", "scale_free", "complete")

#: Metadata key under which a field's allowed range is declared (read by agents/params.py).
_PARAM_KEY = "selloff.param"
_SECONDS_PER_HOUR = 3600.0
_FIXED_POINT_TOL = 1e-14
_FIXED_POINT_MAX_ITER = 10_000


class NetworkError(ValueError):
    """An input to the network functions is out of range; the message names the field."""


@dataclass(frozen=True)
class _Range:
    """Allowed values of a parameter: inclusive bounds (None: open) and a one-line meaning."""

    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    doc: str = ""


def _param(default: float, lo: float, hi: float, doc: str):
    return dataclasses.field(default=default, metadata={_PARAM_KEY: _Range(lo, hi, None, doc)})


@dataclass(frozen=True)
class ExposureParams:
    """Parameters of the AI-exposure rule (see the module docstring for the formula).

    All defaults are judgements from pre-event public facts, never fits to the sell-off.
    """

    #: Benchmark total return in 2024 (S&P 500 total return, about 25%): run-up above it is
    #: the excess that may be an AI premium.
    benchmark_return_pct: float = _param(
        25.0, -50.0, 100.0, "2024 benchmark total return, percent (S&P 500: about 25)"
    )
    #: tau: how many times faster the AI-linked part earned the 2024 excess return than the rest
    #: of the same firm (1: no AI premium; large: the whole excess is AI premium).
    ai_rerating: float = _param(
        3.0, 1.0, 1000.0, "tau: 2024 re-rating of AI-linked value relative to the rest, x"
    )
    #: Cap on the AI share of value (cash and non-AI assets never reprice with AI demand).
    a_max: float = _param(0.95, 0.0, 1.0, "cap on the AI-linked share of value")
    #: Years of 2025 capex a buyer saves, per unit fall in compute demand (future AI spending
    #: made unnecessary; present value, no growth).
    buyer_cost_benefit: float = _param(
        2.0, 0.0, 20.0, "buyer's saving: years of 2025 capex per unit fall in compute demand"
    )
    #: Years of 2025 capex a buyer has committed whose value moves with compute demand.
    stranded_capex: float = _param(
        1.0, 0.0, 20.0, "buyer's stranded capex: committed years of 2025 capex at risk"
    )
    #: Share of a buyer's AI / data-centre revenue that is compute rented by volume and so moves
    #: with compute demand like a seller's (0: cloud revenue is mostly not AI compute).
    cloud_resale: float = _param(
        0.0, 0.0, 1.0, "share of a buyer's AI/DC revenue that moves with compute demand"
    )
    #: g: amplification of a shock per supplier tier (1: Leontief; >1: bullwhip).
    upstream_gain: float = _param(
        1.0, 0.0, 5.0, "g: shock amplification per supplier tier (1 = Leontief)"
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            spec = f.metadata[_PARAM_KEY]
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise NetworkError(f"ExposureParams.{f.name}: must be a number (got {value!r})")
            if not (spec.lo <= value <= spec.hi):  # also rejects NaN
                raise NetworkError(
                    f"ExposureParams.{f.name}: must be in [{spec.lo}, {spec.hi}] (got {value!r})"
                )


@dataclass(frozen=True)
class Exposure:
    """One firm's exposure to a shock in expected AI compute demand, per unit of shock ``d``.

    ``direct + network == total``; ``value_change(d) == d * value_beta`` (fraction of value).
    """

    ticker: str
    role: str
    #: e_i: share of revenue hit by d without passing through a modelled supplier link.
    direct: float
    #: Share of revenue hit by d through customers in the supply network (0 if propagate=False).
    network: float
    #: x_i / d: total fractional revenue change per unit d.
    total: float
    #: S_i: AI-linked share of revenue (accounting, independent of the switches).
    ai_revenue_share: float
    #: a_i: AI-linked share of value.
    ai_value_share: float
    #: c_i: 2025 capex / market value (0 where no capex was announced).
    capex_intensity: float
    #: dV/V per unit d.
    value_beta: float


# --------------------------------------------------------------------------------------------
# Supply network


def supply_graph(universe: Universe, edges: Iterable[Sequence]) -> nx.DiGraph:
    """Directed supply graph: one node per ticker, one edge per ``supplier -> customer`` link.

    Edge attributes: ``weight`` (share of the supplier's revenue that depends on that customer)
    and ``basis`` (how it was estimated). Node attributes: every universe field for that ticker
    plus ``market_value_bn``. Edges are validated (:func:`agents.universe.validate_edges`).
    """
    import networkx as nx

    checked = validate_edges(edges, universe)
    g = nx.DiGraph(tickers=universe.tickers)
    mv = universe.market_value_bn
    for i, t in enumerate(universe.tickers):
        g.add_node(
            t,
            name=universe.names[i],
            role=universe.roles[i],
            close_2025_01_24=float(universe.close_2025_01_24[i]),
            return_2024_pct=float(universe.return_2024_pct[i]),
            vol_2024_pct=float(universe.vol_2024_pct[i]),
            shares_out_m=float(universe.shares_out_m[i]),
            revenue_bn=float(universe.revenue_bn[i]),
            fy_end=universe.fy_end[i],
            ai_dc_share_pct=float(universe.ai_dc_share_pct[i]),
            capex_2025_bn=float(universe.capex_2025_bn[i]),
            market_value_bn=float(mv[i]),
            note=universe.notes[i],
        )
    for e in checked:
        g.add_edge(e.supplier, e.customer, weight=e.weight, basis=e.basis)
    return g


def _edge_matrices(universe: Universe, graph: nx.DiGraph) -> tuple[np.ndarray, np.ndarray]:
    """(W, F): supplier->seller weights and supplier->buyer weights, universe order."""
    unknown = [n for n in graph.nodes if n not in set(universe.tickers)]
    if unknown:
        raise NetworkError(f"graph: node {unknown[0]!r} is not a ticker of the universe")
    edges = validate_edges(((u, v, w, "") for u, v, w in graph.edges(data="weight")), universe)
    n = len(universe)
    idx = {t: i for i, t in enumerate(universe.tickers)}
    w_mat = np.zeros((n, n))
    f_mat = np.zeros((n, n))
    for e in edges:
        i, j = idx[e.supplier], idx[e.customer]
        if universe.roles[i] not in SELLER_ROLES:
            raise NetworkError(
                f"{e.supplier}: supply edges must start at a seller of AI compute "
                f"(roles {', '.join(SELLER_ROLES)}; got role {universe.roles[i]!r})"
            )
        if universe.roles[j] in SELLER_ROLES:
            w_mat[i, j] = e.weight
        else:
            f_mat[i, j] = e.weight
    return w_mat, f_mat


def _spectral_radius(m: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(m)))) if m.size else 0.0


def _leontief(w: np.ndarray, direct: np.ndarray, d: float) -> np.ndarray:
    """Solve x = d * direct + w x, i.e. x = (I - w)^-1 d direct. Requires rho(w) < 1."""
    return np.linalg.solve(np.eye(len(direct)) - w, d * direct)


def _ai_revenue_share(
    s: np.ndarray, b: np.ndarray, w: np.ndarray, seller: np.ndarray
) -> np.ndarray:
    """Fixed point S = max(s, b + W S) on sellers by monotone iteration from below."""
    s_hat = np.where(seller, np.maximum(s, b), 0.0)
    for _ in range(_FIXED_POINT_MAX_ITER):
        nxt = np.where(seller, np.maximum(s, b + w @ s_hat), 0.0)
        if np.max(np.abs(nxt - s_hat), initial=0.0) <= _FIXED_POINT_TOL:
            return nxt
        s_hat = nxt
    raise NetworkError("supply edges: AI revenue shares did not converge (cycle of weight ~1)")


def _ai_value_share(s_hat: np.ndarray, r_pct: np.ndarray, p: ExposureParams) -> np.ndarray:
    rm = p.benchmark_return_pct / 100.0
    excess = np.maximum(0.0, r_pct / 100.0 - rm)
    tau = p.ai_rerating
    a = s_hat * ((1.0 + rm) + tau * excess / (1.0 + s_hat * (tau - 1.0))) / (1.0 + rm + excess)
    return np.minimum(a, p.a_max)


def _solve(
    universe: Universe, graph: nx.DiGraph, params: ExposureParams | None, propagate: bool
) -> dict[str, np.ndarray]:
    p = ExposureParams() if params is None else params
    if not isinstance(p, ExposureParams):
        raise NetworkError(f"params: must be an ExposureParams (got {type(p).__name__})")
    w, f = _edge_matrices(universe, graph)
    rho = _spectral_radius(w)
    if rho >= 1.0:
        raise NetworkError(
            f"supply edges: spectral radius of supplier->supplier weights must be < 1 "
            f"(got {rho:.4g})"
        )
    seller = np.array([r in SELLER_ROLES for r in universe.roles])
    buyer = np.array([r in BUYER_ROLES for r in universe.roles])
    s = universe.ai_share
    content = np.array(
        [1.0 if r in DATA_CENTRE_BUYER_ROLES else s[j] for j, r in enumerate(universe.roles)]
    )
    b = f @ content
    s_hat = _ai_revenue_share(s, b, w, seller)
    s_hat = np.where(buyer, p.cloud_resale * s, s_hat)
    direct = np.where(seller, s_hat - w @ s_hat, s_hat)
    direct = np.maximum(direct, 0.0)  # float noise only: S >= W S by construction
    if propagate:
        wg = p.upstream_gain * w
        if _spectral_radius(wg) >= 1.0:
            raise NetworkError(
                f"ExposureParams.upstream_gain: gain x spectral radius of supplier->supplier "
                f"weights must be < 1 (got {p.upstream_gain} x {rho:.4g})"
            )
        total = _leontief(wg, direct, 1.0)
    else:
        total = direct.copy()
    a = _ai_value_share(s_hat, universe.return_2024_pct, p)
    hit = np.divide(total, s_hat, out=np.zeros_like(total), where=s_hat > 0)
    capex = np.nan_to_num(universe.capex_2025_bn, nan=0.0)
    c = capex / universe.market_value_bn
    capex_term = np.where(buyer, c * (p.stranded_capex - p.buyer_cost_benefit), 0.0)
    beta = a * hit + capex_term
    return {
        "pass_through": hit,
        "capex_term": capex_term,
        "buyer": buyer,
        "direct": direct,
        "network": total - direct,
        "total": total,
        "ai_revenue_share": s_hat,
        "ai_value_share": a,
        "capex_intensity": c,
        "value_beta": beta,
        "w": p.upstream_gain * w if propagate else np.zeros_like(w),
    }


def ai_exposure(
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    *,
    propagate: bool = True,
) -> dict[str, Exposure]:
    """Each firm's exposure to a change in expected AI compute demand, keyed by ticker.

    ``propagate=False`` is the no-supply-network counterfactual: only direct effects, so the
    difference to ``propagate=True`` is what the network causes. Formula: module docstring.
    """
    r = _solve(universe, graph, params, propagate)
    return {
        t: Exposure(
            ticker=t,
            role=universe.roles[i],
            direct=float(r["direct"][i]),
            network=float(r["network"][i]),
            total=float(r["total"][i]),
            ai_revenue_share=float(r["ai_revenue_share"][i]),
            ai_value_share=float(r["ai_value_share"][i]),
            capex_intensity=float(r["capex_intensity"][i]),
            value_beta=float(r["value_beta"][i]),
        )
        for i, t in enumerate(universe.tickers)
    }


def _check_shock(d: float) -> float:
    try:
        d = float(d)
    except (TypeError, ValueError):
        raise NetworkError(f"d: must be a number >= -1 (got {d!r})") from None
    if not (math.isfinite(d) and d >= -1.0):
        raise NetworkError(f"d: must be a finite number >= -1 (got {d!r})")
    return d


def value_change(
    d: float,
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    *,
    propagate: bool = True,
) -> np.ndarray:
    """Fractional change in fundamental value, dV/V, per ticker in universe order.

    ``d`` is the fractional change in expected AI compute demand (>= -1). Linear in ``d``.
    """
    d = _check_shock(d)
    return d * _solve(universe, graph, params, propagate)["value_beta"]


def demand_value_change(
    d: float,
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    expectations: tuple[Decomposition, ExpectationParams] | None = None,
    *,
    propagate: bool = True,
) -> np.ndarray:
    """dV/V per ticker when expected AI compute demand changes by ``d`` (fraction, > -1).

    ``expectations=None`` is the current-revenue model, :func:`value_change` (step 4: AI-linked
    value moves one for one with AI revenue). With ``(decomposition, params)`` value moves on
    expectations (agents/expectations.py): the expected growth of AI-linked cash flows changes
    by ``ln(1 + d) / T`` a year and each part of value answers through its duration; the supply
    network gives each seller's pass-through ``x / (S d)`` and buyers their capex terms.
    """
    d = _check_shock(d)
    if expectations is None:
        return d * _solve(universe, graph, params, propagate)["value_beta"]
    dec, ep = expectations
    r = _solve(universe, graph, params, propagate)
    link = np.where(r["buyer"], universe.ai_share * ep.cloud_growth_link, r["pass_through"])
    dv = growth_value_change(d, dec, r["ai_revenue_share"], r["pass_through"], link, ep)
    return dv + d * r["capex_term"]


def revenue_value_change(
    direct: np.ndarray,
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    *,
    propagate: bool = True,
    expectations: tuple[Decomposition, ExpectationParams] | None = None,
) -> np.ndarray:
    """dV/V per ticker from a direct change in some firms' AI-linked revenue.

    ``direct[i]`` is the change in firm i's revenue as a fraction of its revenue, before the
    supply network (a capex revision at one buyer, China sales lost to an export control). It
    reaches suppliers as in step 2 (``x = (I - g W)^-1 direct``; ``x = direct`` with
    ``propagate=False``) and moves value as in step 4, ``dV/V = a x / S``; a firm with no AI
    revenue (``S = 0``) moves one for one with its revenue. With ``expectations`` the AI-linked
    share of value is the decomposition's, ``A = place S + ai_growth`` (agents/expectations.py):
    a lasting change in AI revenue moves assets in place and the AI-linked growth alike.
    """
    direct = np.asarray(direct, dtype=float)
    if direct.shape != (len(universe),) or not np.all(np.isfinite(direct)):
        raise NetworkError(f"direct: must be {len(universe)} finite numbers, one per ticker")
    r = _solve(universe, graph, params, propagate)
    x = np.linalg.solve(np.eye(len(universe)) - r["w"], direct)
    s_hat, a = r["ai_revenue_share"], r["ai_value_share"]
    if expectations is not None:
        dec = expectations[0]
        a = dec.place * s_hat + np.where(r["buyer"], 0.0, dec.ai_growth)
    ratio = np.divide(a, s_hat, out=np.ones_like(a), where=s_hat > 0)
    return ratio * x


def supplier_shares(universe: Universe, graph: nx.DiGraph, customer: str) -> np.ndarray:
    """Share of each firm's revenue that depends on ``customer`` (the supply edges into it)."""
    j = universe.index(customer)
    out = np.zeros(len(universe))
    for u, _, w in graph.in_edges(universe.tickers[j], data="weight"):
        out[universe.index(u)] = w
    return out


def exposure_sources(
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    *,
    propagate: bool = True,
) -> pd.DataFrame:
    """Where each firm's revenue exposure comes from: ``M = (I - g W)^-1 diag(e)``.

    ``M.loc[i, k]`` is the part of firm i's revenue change per unit d that starts as firm k's
    direct AI sales (ASML's row has an NVDA entry: Nvidia's wafers at TSMC need ASML tools). Row
    sums equal ``total``. With ``propagate=False`` it is ``diag(e)``.
    """
    import pandas as pd

    r = _solve(universe, graph, params, propagate)
    n = len(universe)
    m = np.linalg.solve(np.eye(n) - r["w"], np.diag(r["direct"]))
    return pd.DataFrame(m, index=list(universe.tickers), columns=list(universe.tickers))


def exposure_frame(
    universe: Universe,
    graph: nx.DiGraph,
    params: ExposureParams | None = None,
    *,
    d: float = -0.2,
    propagate: bool = True,
) -> pd.DataFrame:
    """Table of :class:`Exposure` fields per ticker plus ``value_change_pct`` for shock ``d``."""
    import pandas as pd

    d = _check_shock(d)
    exposures = ai_exposure(universe, graph, params, propagate=propagate)
    rows = [dataclasses.asdict(e) for e in exposures.values()]
    frame = pd.DataFrame(rows).set_index("ticker")
    frame["value_change_pct"] = 100.0 * d * frame["value_beta"]
    return frame


def formula_text(params: ExposureParams | None = None) -> str:
    """The exposure formula and every parameter with its value and range, as plain text."""
    p = ExposureParams() if params is None else params
    lines = [
        "AI exposure of fundamental value (agents/networks.py)",
        "",
        "V_i = V_base,i + V_ai,i. A shock d = fractional change in expected AI compute demand.",
        "s_i = ai_dc_share_pct/100; w_ij = share of supplier i's revenue tied to customer j;",
        "W = w on supplier->supplier edges; F = w on edges into buyers of compute;",
        "k_j = 1 for hyperscaler/cloud buyers, s_j for other buyers.",
        "",
        "1. AI revenue share:  b_i = sum_j F_ij k_j;  S_i = max(s_i, b_i + sum_j W_ij S_j)",
        "   direct exposure:   e_i = S_i - sum_j W_ij S_j  (buyers: S_i = e_i = cloud_resale*s_i)",
        "2. Leontief:          x = d e + g W x  =>  x = d (I - g W)^-1 e",
        "   (propagate=False, no supply network: x = d e)",
        "3. AI share of value: X_i = max(0, r_i - r_m)",
        "   a_i = min(a_max, S_i [(1 + r_m) + tau X_i / (1 + S_i (tau - 1))] / (1 + r_m + X_i))",
        "4. dV_i/V_i = a_i x_i / S_i   (+ for buyers: d c_i (stranded_capex - buyer_cost_benefit),",
        "   c_i = capex_2025 / market value)",
        "",
        "Parameters (value; allowed range; meaning):",
    ]
    for f in dataclasses.fields(p):
        spec = f.metadata[_PARAM_KEY]
        lines.append(f"  {f.name} = {getattr(p, f.name)}  [{spec.lo}, {spec.hi}]  {spec.doc}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Information network


def information_graph(
    n_investors: int,
    rng: np.random.Generator,
    kind: str = "small_world",
    k: int = 8,
    p: float = 0.1,
) -> nx.Graph:
    """Undirected investor graph on nodes ``0 .. n_investors - 1``.

    ``small_world``: connected Watts-Strogatz, each node linked to its ``k`` nearest neighbours
    on a ring, each link rewired with probability ``p`` (mean degree exactly ``k``);
    ``scale_free``: Barabasi-Albert with ``k // 2`` links per new node (mean degree about ``k``);
    ``complete``: everyone knows everyone. With ``n_investors < k + 1`` small-world and
    scale-free graphs are complete. The networkx seed is drawn from ``rng`` and stored in
    ``graph.graph["seed"]``, so the same generator state gives the same graph.
    """
    import networkx as nx

    if isinstance(n_investors, bool) or not isinstance(n_investors, (int, np.integer)):
        raise NetworkError(f"n_investors: must be an integer >= 1 (got {n_investors!r})")
    if n_investors < 1:
        raise NetworkError(f"n_investors: must be an integer >= 1 (got {n_investors})")
    if not isinstance(rng, np.random.Generator):
        raise NetworkError(f"rng: must be a numpy Generator (got {type(rng).__name__})")
    if kind not in GRAPH_KINDS:
        raise NetworkError(f"kind: must be one of {', '.join(GRAPH_KINDS)} (got {kind!r})")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2 or k % 2:
        raise NetworkError(f"k: must be an even integer >= 2 (got {k!r})")
    if not (0.0 <= p <= 1.0):
        raise NetworkError(f"p: must be in [0, 1] (got {p!r})")
    n = int(n_investors)
    seed = int(rng.integers(0, 2**32 - 1))
    if kind == "complete" or n < k + 1:
        g = nx.complete_graph(n)
    elif kind == "small_world":
        g = nx.connected_watts_strogatz_graph(n, int(k), float(p), tries=1000, seed=seed)
    else:
        g = nx.barabasi_albert_graph(n, int(k) // 2, seed=seed)
    g.graph.update(kind=kind, k=int(k), p=float(p), seed=seed)
    return g


def to_csr(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Compressed adjacency ``(indptr, indices)``, int64, neighbours sorted, self-loops dropped.

    Nodes must be the integers ``0 .. n - 1``. Node ``i``'s neighbours (successors for a
    directed graph) are ``indices[indptr[i]:indptr[i + 1]]``; an undirected edge appears in
    both rows.
    """
    n = graph.number_of_nodes()
    nodes = set(graph.nodes)
    if nodes != set(range(n)):
        bad = next(iter(sorted((x for x in nodes if not _is_index(x, n)), key=repr)), None)
        raise NetworkError(f"graph: nodes must be the integers 0..{n - 1} (got {bad!r})")
    indptr = np.zeros(n + 1, dtype=np.int64)
    rows: list[list[int]] = []
    for i in range(n):
        nbrs = sorted(int(j) for j in graph.adj[i] if j != i)
        rows.append(nbrs)
        indptr[i + 1] = indptr[i] + len(nbrs)
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1]))
    return indptr, indices


def _is_index(x: Any, n: int) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= x < n


def _check_csr(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    for name, a in (("indptr", indptr), ("indices", indices)):
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise NetworkError(f"{name}: must be a 1-D integer array (got {a.dtype}, {a.ndim}-D)")
    if len(indptr) < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise NetworkError("indptr: must start at 0 and be non-decreasing")
    if indptr[-1] != len(indices):
        raise NetworkError(
            f"indptr: last entry must equal len(indices) = {len(indices)} (got {indptr[-1]})"
        )
    n = len(indptr) - 1
    if len(indices) and (indices.min() < 0 or indices.max() >= n):
        raise NetworkError(f"indices: must be node numbers in [0, {n - 1}]")
    return indptr.astype(np.int64, copy=False), indices.astype(np.int64, copy=False)


def spread_times(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: Iterable[int],
    rate_per_hour: float,
    rng: np.random.Generator,
    horizon_s: float,
) -> np.ndarray:
    """Seconds after the news at which each investor hears it (``inf``: not within the horizon).

    SI process: ``seeds`` hear at 0; an investor who hears at ``t`` tells each neighbour at
    ``t + delay``, ``delay ~ Exponential(rate_per_hour)``; an investor hears at the earliest such
    time. Equivalently, shortest paths from the seeds with i.i.d. exponential edge lengths.
    Exactly one delay (seconds) is drawn per CSR entry, in CSR order, before the search, so a
    compiled twin given the same generator reproduces the times bit for bit. ``rate_per_hour=0``
    draws nothing and reaches only the seeds. Times above ``horizon_s`` are ``inf``.
    """
    indptr, indices = _check_csr(indptr, indices)
    n = len(indptr) - 1
    seed_arr = np.asarray(list(seeds) if not isinstance(seeds, np.ndarray) else seeds)
    if seed_arr.size and (
        not np.issubdtype(seed_arr.dtype, np.integer) or seed_arr.min() < 0 or seed_arr.max() >= n
    ):
        raise NetworkError(f"seeds: must be node numbers in [0, {n - 1}] (got {seed_arr!r})")
    rate = float(rate_per_hour)
    if not (math.isfinite(rate) and rate >= 0.0):
        raise NetworkError(f"rate_per_hour: must be a finite number >= 0 (got {rate_per_hour!r})")
    horizon = float(horizon_s)
    if not horizon >= 0.0:  # rejects NaN; inf is allowed
        raise NetworkError(f"horizon_s: must be >= 0 seconds (got {horizon_s!r})")
    if not isinstance(rng, np.random.Generator):
        raise NetworkError(f"rng: must be a numpy Generator (got {type(rng).__name__})")

    best = [math.inf] * n
    for s in seed_arr.tolist():
        best[s] = 0.0
    if rate == 0.0 or not seed_arr.size:
        return np.array(best, dtype=np.float64)
    delays = rng.exponential(_SECONDS_PER_HOUR / rate, size=len(indices)).tolist()
    ptr = indptr.tolist()
    nbr = indices.tolist()
    done = [False] * n
    heap = [(0.0, s) for s in sorted(set(seed_arr.tolist()))]
    heapq.heapify(heap)
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        t, u = pop(heap)
        if done[u]:
            continue
        done[u] = True
        for e in range(ptr[u], ptr[u + 1]):
            v = nbr[e]
            if done[v]:
                continue
            tv = t + delays[e]
            if tv < best[v] and tv <= horizon:
                best[v] = tv
                push(heap, (tv, v))
    return np.array(best, dtype=np.float64)
