"""`match_stream`: replay an order stream into one empty book, the engine's simplest public face."""

import numpy as np

from . import _kernels as K
from .state import new_book, new_pool, new_tape
from .types import ORDER_DTYPE, TRADE_DTYPE, InvalidOrderError, OrderKind, Side

__all__ = ["match_stream", "validate_orders"]

_KINDS = "one of " + ", ".join(f"{k.value} ({k.name})" for k in OrderKind)
_SIDES = f"{Side.BUY.value} (BUY) or {Side.SELL.value} (SELL)"


def validate_orders(orders: np.ndarray) -> None:
    """Raise InvalidOrderError at the first row with an unknown kind or side, qty <= 0 or price < 1.

    A cancel's side, price and qty are not checked (they are ignored); a market order's price is
    not checked either.
    """
    if orders.dtype.names is None or not {"id", "side", "kind", "price", "qty"} <= set(
        orders.dtype.names
    ):
        raise TypeError("orders must be a structured array with fields id, side, kind, price, qty")
    kind = orders["kind"].astype(np.int64)
    side = orders["side"].astype(np.int64)
    bad_kind = (kind < 0) | (kind > 3)
    order = ~bad_kind & (kind != OrderKind.CANCEL)
    checks = [
        ("kind", bad_kind, _KINDS, orders["kind"]),
        ("side", order & (side != 1) & (side != -1), _SIDES, orders["side"]),
        ("qty", order & (orders["qty"] <= 0), "> 0 shares", orders["qty"]),
        (
            "price",
            ((kind == OrderKind.LIMIT) | (kind == OrderKind.IOC)) & (orders["price"] < 1),
            ">= 1 tick for LIMIT and IOC",
            orders["price"],
        ),
    ]
    first = None
    for field, mask, allowed, col in checks:
        hit = np.flatnonzero(mask)
        if hit.size and (first is None or hit[0] < first[0]):
            first = (int(hit[0]), field, allowed, col[hit[0]].item())
    if first is not None:
        raise InvalidOrderError(first[0], first[1], first[2], first[3])


def _dense(values: np.ndarray, n: int):
    """Map int64 values to dense indices; (indices, size, lookup table or None, offset)."""
    if values.size == 0:
        return np.zeros(0, np.int64), 1, None, 0
    lo, hi = int(values.min()), int(values.max())
    if hi - lo < 4 * n + 1024:
        return values - lo, hi - lo + 1, None, lo
    uniq, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.int64), uniq.size, uniq, 0


def match_stream(orders: np.ndarray) -> np.ndarray:
    """Replay `orders` (ORDER_DTYPE) into one empty book; return every fill in execution order.

    Strict price-time priority, fills at the resting order's price, partial fills. LIMIT rests
    what it does not fill; MARKET (price ignored) and IOC never rest. CANCEL removes the live order
    with that id and does nothing for an unknown, filled or cancelled id. Prices may be anywhere
    in 1 .. 2**62: the level grid is built over the prices the stream uses.

    Raises:
        InvalidOrderError: (a ValueError) naming the first invalid row and field: unknown kind or
            side, qty <= 0, price < 1 for LIMIT/IOC, or an id reused while its order is live.
    """
    orders = np.asarray(orders)
    validate_orders(orders)
    n = orders.size
    kind = np.ascontiguousarray(orders["kind"], np.int8)
    side = np.ascontiguousarray(orders["side"], np.int8)
    qty = np.ascontiguousarray(orders["qty"], np.int64)
    ids = np.ascontiguousarray(orders["id"], np.int64)
    priced = (kind == OrderKind.LIMIT) | (kind == OrderKind.IOC)
    prices = orders["price"].astype(np.int64)
    lvl_vals, n_levels, price_table, price_lo = _dense(prices[priced], n)
    lvl = np.zeros(n, np.int64)
    lvl[priced] = lvl_vals
    dense, n_ids, id_table, id_lo = _dense(ids, n)

    bk = new_book(np.zeros(1, np.int64), np.array([max(n_levels, 1)], np.int64))
    pl = new_pool(int(np.count_nonzero(kind == OrderKind.LIMIT)))
    tp = new_tape(2 * n + 1)
    id_slot = np.full(n_ids, -1, np.int64)
    status, row = K.match_stream_kernel(bk, pl, tp, side, kind, lvl, qty, dense, id_slot)
    if status == K.ID_LIVE:
        raise InvalidOrderError(row, "id", "an id with no live order", int(ids[row]))
    k = int(tp.n[0])
    out = np.empty(k, TRADE_DTYPE)
    rows = tp.rows[:k]
    for col, j in (("taker", K.T_TAKER), ("maker", K.T_MAKER)):
        d = rows[:, j]
        out[col] = id_table[d] if id_table is not None else d + id_lo
    levels = rows[:, K.T_PRICE]
    out["price"] = price_table[levels] if price_table is not None else levels + price_lo
    out["qty"] = rows[:, K.T_QTY]
    return out
