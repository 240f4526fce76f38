"""Synthetic order streams for the demo, the benchmarks and the tests (seeded, vectorised)."""

import numpy as np

from .types import ORDER_DTYPE, OrderKind

__all__ = ["random_stream"]


def _ar1(eps: np.ndarray, phi: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + eps[t] with x[-1] = 0 (a linear filter, no Python loop per row)."""
    from scipy.signal import lfilter

    return lfilter([1.0], [1.0, -phi], eps)


def random_stream(n: int, seed: int = 0, *, mid: int = 10_000, spread_ticks: int = 20,
                  p_limit: float = 0.6, p_market: float = 0.2, cancel_window: int = 500,
                  n_stocks: int = 1, n_traders: int = 1) -> np.ndarray:
    """`n` orders: about p_limit limits near a drifting mid, p_market markets, the rest cancels.

    Limits sit 0..spread_ticks ticks behind the mid on their side (a few cross it), so the book
    stays bounded around the mid. A cancel names one of the last `cancel_window` limit orders of
    its stock, most of which still rest. Ids are the row numbers.
    """
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    kind = np.where(u < p_limit, OrderKind.LIMIT, np.where(u < p_limit + p_market,
                                                              OrderKind.MARKET, OrderKind.CANCEL))
    side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    # the mid wanders but is pulled back (an AR(1) in ticks), so no order is stranded for good
    shocks = rng.normal(0.0, 1.0, size=n)
    wander = _ar1(shocks, 0.999) / 4.0
    offset = rng.integers(-2, spread_ticks + 1, size=n)
    price = mid + np.round(wander).astype(np.int64) - side * offset
    # market orders are larger than limits so that the volume taken matches the volume added:
    # the book stays bounded
    big, small = rng.integers(1, 31, size=n), rng.integers(1, 11, size=n)
    lots = np.where(kind == OrderKind.MARKET, big, small)
    qty = lots * 100
    stock = rng.integers(0, n_stocks, size=n)
    out = np.zeros(n, ORDER_DTYPE)
    out["id"] = np.arange(n)
    out["kind"] = kind
    out["side"] = side
    out["price"] = np.maximum(price, 1)
    out["qty"] = qty
    out["stock"] = stock
    out["trader"] = rng.integers(0, n_traders, size=n)
    out["time"] = np.arange(n) // max(1, n // 23_400)
    # cancels: pick among the previous `cancel_window` limits of the same stock
    for s in range(n_stocks):
        rows = np.flatnonzero(stock == s)
        lim_rows = rows[kind[rows] == OrderKind.LIMIT]
        canc = rows[kind[rows] == OrderKind.CANCEL]
        if lim_rows.size == 0:
            out["kind"][canc] = OrderKind.LIMIT
            continue
        before = np.searchsorted(lim_rows, canc)  # limits strictly before each cancel
        back = rng.integers(1, cancel_window + 1, size=canc.size)
        pick = np.clip(before - back, 0, lim_rows.size - 1)
        ok = before > 0
        out["id"][canc[ok]] = lim_rows[pick[ok]]
        out["id"][canc[~ok]] = -1  # nothing to cancel yet: an unknown id, which does nothing
    out["price"][out["kind"] == OrderKind.CANCEL] = 0
    out["qty"][out["kind"] == OrderKind.CANCEL] = 0
    return out
