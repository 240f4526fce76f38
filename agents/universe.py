"""The stock universe and the supply edges, loaded from the package data and validated.

Facts are as of the close on Friday 24 January 2025 (see ``agents/data``). Units are written in
the field names: dollars per share (``close_2025_01_24``), percent (``*_pct``), millions of shares
(``shares_out_m``), billions of dollars (``*_bn``).

Supply edges are ``supplier -> customer`` links whose ``weight`` is the estimated share of the
supplier's revenue that depends on that customer, in (0, 1]; a supplier's weights sum to at most 1.
Every violation raises :class:`UniverseError` naming the ticker, the field and what is allowed.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import NamedTuple

import numpy as np

__all__ = [
    "BUYER_ROLES",
    "DATA_CENTRE_BUYER_ROLES",
    "Edge",
    "ROLES",
    "SELLER_ROLES",
    "Universe",
    "UniverseError",
    "load_edges",
    "load_universe",
    "validate_edges",
]

#: Roles whose revenue comes from selling AI compute or what it is built from (or powered by).
SELLER_ROLES = (
    "chip_designer",
    "memory",
    "server_oem",
    "foundry",
    "equipment",
    "ip_licensor",
    "power",
)
#: Roles that buy compute: a change in compute demand moves their costs, not their sales.
BUYER_ROLES = ("hyperscaler", "cloud", "big_tech")
#: Buyers whose purchases from the modelled suppliers go into data centres (GPUs, servers, power).
DATA_CENTRE_BUYER_ROLES = ("hyperscaler", "cloud")
#: Every role a ticker may have.
ROLES = SELLER_ROLES + BUYER_ROLES

_UNIVERSE_COLUMNS = (
    "ticker",
    "name",
    "role",
    "close_2025_01_24",
    "return_2024_pct",
    "vol_2024_pct",
    "shares_out_m",
    "revenue_bn_latest_fy",
    "fy_end",
    "ai_dc_share_pct",
    "capex_2025_bn",
    "note",
)
_EDGE_COLUMNS = ("supplier", "customer", "weight", "basis")
# Float noise allowance when summing a supplier's weights (they are given to two decimals).
_WEIGHT_SUM_TOL = 1e-9


class UniverseError(ValueError):
    """The universe or edge data is invalid; the message names the ticker and the field."""


class Edge(NamedTuple):
    """One supply link: ``weight`` = share of the supplier's revenue tied to ``customer``."""

    supplier: str
    customer: str
    weight: float
    basis: str


@dataclass(frozen=True, eq=False)
class Universe:
    """The tickers and their pre-event facts, all arrays aligned with ``tickers``.

    Numeric arrays are float64 and read-only. ``capex_2025_bn`` is NaN where no 2025 capex was
    announced. ``revenue_bn`` is the latest fiscal year's revenue (year end in ``fy_end``).
    """

    tickers: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[str, ...]
    close_2025_01_24: np.ndarray  # dollars per share
    return_2024_pct: np.ndarray  # 2024 total return, percent
    vol_2024_pct: np.ndarray  # annualised volatility of 2024 daily returns, percent
    shares_out_m: np.ndarray  # shares outstanding, millions
    revenue_bn: np.ndarray  # latest fiscal-year revenue, billions of dollars
    fy_end: tuple[str, ...]  # ISO date of that fiscal year's end
    ai_dc_share_pct: np.ndarray  # share of revenue tied to AI / data centres, percent
    capex_2025_bn: np.ndarray  # announced 2025 capex, billions of dollars (NaN: none)
    notes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.tickers)

    def index(self, ticker: str) -> int:
        """Position of ``ticker`` in every array; raises :class:`UniverseError` if unknown."""
        try:
            return self.tickers.index(ticker)
        except ValueError:
            raise UniverseError(
                f"ticker: must be one of {', '.join(self.tickers)} (got {ticker!r})"
            ) from None

    @property
    def market_value_bn(self) -> np.ndarray:
        """Market value on 24 January 2025 in billions of dollars (close x shares outstanding)."""
        return self.close_2025_01_24 * self.shares_out_m / 1000.0

    @property
    def ai_share(self) -> np.ndarray:
        """``ai_dc_share_pct`` as a fraction in [0, 1]."""
        return self.ai_dc_share_pct / 100.0

    @property
    def is_buyer(self) -> np.ndarray:
        """Boolean mask of buyers of compute (roles in :data:`BUYER_ROLES`)."""
        return np.array([r in BUYER_ROLES for r in self.roles], dtype=bool)


# --------------------------------------------------------------------------------------------
# Reading


def _read_rows(source, default_name: str, columns: Sequence[str]) -> list[dict[str, str]]:
    if source is None:
        text = (files("agents") / "data" / default_name).read_text(encoding="utf-8")
    elif isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8", newline="") as fh:
            text = fh.read()
    else:  # an open text stream
        text = source.read()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise UniverseError(f"{default_name}: missing column(s) {', '.join(missing)}")
    return list(reader)


def _number(row: dict[str, str], field: str, who: str, *, allow_empty: bool = False) -> float:
    text = (row.get(field) or "").strip()
    if not text and allow_empty:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise UniverseError(f"{who}: {field} must be a number (got {text!r})") from None
    if not math.isfinite(value):
        raise UniverseError(f"{who}: {field} must be finite (got {text!r})")
    return value


def _check_range(who: str, field: str, value: float, lo: float, hi: float | None = None) -> None:
    if math.isnan(value):
        return
    if value < lo or (hi is not None and value > hi):
        allowed = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise UniverseError(f"{who}: {field} must be {allowed} (got {value})")


def load_universe(source: str | os.PathLike | io.TextIOBase | None = None) -> Universe:
    """Read and validate the universe CSV (default: the package's ``data/universe.csv``).

    Raises :class:`UniverseError` for duplicate or empty tickers, unknown roles, non-numeric
    values, non-positive prices or share counts, shares in percent outside [0, 100] and negative
    revenue or capex; the message names the ticker and the field.
    """
    rows = _read_rows(source, "universe.csv", _UNIVERSE_COLUMNS)
    if not rows:
        raise UniverseError("universe.csv: no tickers")
    seen: set[str] = set()
    cols: dict[str, list] = {c: [] for c in _UNIVERSE_COLUMNS}
    for i, row in enumerate(rows):
        ticker = (row["ticker"] or "").strip()
        if not ticker:
            raise UniverseError(f"universe.csv row {i + 1}: ticker must not be empty")
        if ticker in seen:
            raise UniverseError(f"{ticker}: ticker appears more than once")
        seen.add(ticker)
        role = (row["role"] or "").strip()
        if role not in ROLES:
            raise UniverseError(f"{ticker}: role must be one of {', '.join(ROLES)} (got {role!r})")
        close = _number(row, "close_2025_01_24", ticker)
        ret = _number(row, "return_2024_pct", ticker)
        vol = _number(row, "vol_2024_pct", ticker)
        shares = _number(row, "shares_out_m", ticker)
        revenue = _number(row, "revenue_bn_latest_fy", ticker)
        ai = _number(row, "ai_dc_share_pct", ticker)
        capex = _number(row, "capex_2025_bn", ticker, allow_empty=True)
        if close <= 0:
            raise UniverseError(f"{ticker}: close_2025_01_24 must be > 0 dollars (got {close})")
        if shares <= 0:
            raise UniverseError(f"{ticker}: shares_out_m must be > 0 (got {shares})")
        _check_range(ticker, "return_2024_pct", ret, -100.0)
        _check_range(ticker, "vol_2024_pct", vol, 0.0)
        _check_range(ticker, "revenue_bn_latest_fy", revenue, 0.0)
        _check_range(ticker, "ai_dc_share_pct", ai, 0.0, 100.0)
        _check_range(ticker, "capex_2025_bn", capex, 0.0)
        for name, value in (
            ("ticker", ticker),
            ("name", (row["name"] or "").strip()),
            ("role", role),
            ("close_2025_01_24", close),
            ("return_2024_pct", ret),
            ("vol_2024_pct", vol),
            ("shares_out_m", shares),
            ("revenue_bn_latest_fy", revenue),
            ("fy_end", (row["fy_end"] or "").strip()),
            ("ai_dc_share_pct", ai),
            ("capex_2025_bn", capex),
            ("note", (row["note"] or "").strip()),
        ):
            cols[name].append(value)

    def arr(name: str) -> np.ndarray:
        a = np.array(cols[name], dtype=np.float64)
        a.flags.writeable = False
        return a

    return Universe(
        tickers=tuple(cols["ticker"]),
        names=tuple(cols["name"]),
        roles=tuple(cols["role"]),
        close_2025_01_24=arr("close_2025_01_24"),
        return_2024_pct=arr("return_2024_pct"),
        vol_2024_pct=arr("vol_2024_pct"),
        shares_out_m=arr("shares_out_m"),
        revenue_bn=arr("revenue_bn_latest_fy"),
        fy_end=tuple(cols["fy_end"]),
        ai_dc_share_pct=arr("ai_dc_share_pct"),
        capex_2025_bn=arr("capex_2025_bn"),
        notes=tuple(cols["note"]),
    )


def validate_edges(edges: Iterable[Sequence], universe: Universe) -> list[Edge]:
    """Check supply edges against ``universe`` and return them as :class:`Edge` tuples.

    Rules: both endpoints are tickers of the universe; no self-links; no duplicate
    ``(supplier, customer)`` pair; each weight is finite and in (0, 1]; the weights leaving one
    supplier sum to at most 1 (it cannot depend on customers for more than all its revenue).
    Raises :class:`UniverseError` naming the offending ticker.
    """
    known = set(universe.tickers)
    out: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    totals: dict[str, float] = {}
    for item in edges:
        supplier, customer, weight, basis = (*tuple(item), "")[:4]
        supplier, customer = str(supplier).strip(), str(customer).strip()
        for role, ticker in (("supplier", supplier), ("customer", customer)):
            if ticker not in known:
                raise UniverseError(
                    f"{ticker}: edge {supplier}->{customer} {role} is not in the universe"
                )
        if supplier == customer:
            raise UniverseError(f"{supplier}: edge {supplier}->{customer} links a firm to itself")
        if (supplier, customer) in seen:
            raise UniverseError(f"{supplier}: edge {supplier}->{customer} appears more than once")
        seen.add((supplier, customer))
        try:
            w = float(weight)
        except (TypeError, ValueError):
            raise UniverseError(
                f"{supplier}: weight of edge {supplier}->{customer} must be a number "
                f"(got {weight!r})"
            ) from None
        if not (0.0 < w <= 1.0):  # also rejects NaN
            raise UniverseError(
                f"{supplier}: weight of edge {supplier}->{customer} must be in (0, 1] (got {w})"
            )
        totals[supplier] = totals.get(supplier, 0.0) + w
        out.append(Edge(supplier, customer, w, str(basis)))
    for supplier, total in totals.items():
        if total > 1.0 + _WEIGHT_SUM_TOL:
            raise UniverseError(
                f"{supplier}: outgoing edge weights must sum to <= 1 (got {total:.4g})"
            )
    return out


def load_edges(
    universe: Universe | None = None,
    source: str | os.PathLike | io.TextIOBase | None = None,
) -> list[Edge]:
    """Read supply edges (default: the package's ``data/supply_edges.csv``) and validate them.

    Returns a list of :class:`Edge` ``(supplier, customer, weight, basis)`` in file order,
    validated against ``universe`` (default: :func:`load_universe`) by :func:`validate_edges`.
    """
    if universe is None:
        universe = load_universe()
    rows = _read_rows(source, "supply_edges.csv", _EDGE_COLUMNS)
    raw = [
        (
            row["supplier"] or "",
            row["customer"] or "",
            (row["weight"] or "").strip(),
            (row["basis"] or "").strip(),
        )
        for row in rows
    ]
    return validate_edges(raw, universe)
