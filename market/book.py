"""`match_stream`: replay an order stream into one empty book, the engine's simplest public face."""

import numpy as np

from . import _kernels as K
from .state import new_accounts, new_book, new_pool, new_tape
from .types import TRADE_DTYPE, InvalidOrderError, OrderKind, Side

__all__ = ["match_stream", "validate_orders"]

_KINDS = "one of " + ", ".join(f"{k.value} ({k.name})" for k in OrderKind)
_SIDES = f"{Side.BUY.value} (BUY) or {Side.SELL.value} (SELL)"


_FIELDS = {
    K.F_KIND: ("kind", _KINDS),
    K.F_SIDE: ("side", _SIDES),
    K.F_QTY: ("qty", "> 0 shares"),
    K.F_PRICE: ("price", ">= 1 tick for LIMIT and IOC"),
}


def _columns(orders: np.ndarray):
    if orders.dtype.names is None or not {"id", "side", "kind", "price", "qty"} <= set(
        orders.dtype.names
    ):
        raise TypeError("orders must be a structured array with fields id, side, kind, price, qty")
    return tuple(orders[f] for f in ("id", "side", "kind", "price", "qty"))


def validate_orders(orders: np.ndarray) -> np.ndarray:
    """Raise InvalidOrderError at the first row with an unknown kind or side, qty <= 0 or price < 1.

    A cancel's side, price and qty are not checked (they are ignored), nor a market order's
    price. Returns [-1, 0, id lo, id hi, price lo, price hi] (prices over LIMIT and IOC rows).
    """
    orders = np.asarray(orders).reshape(-1)
    ids, side, kind, price, qty = _columns(orders)
    out = np.zeros(6, np.int64)
    K.scan_stream(ids, side, kind, price, qty, out)
    if out[0] >= 0:
        row = int(out[0])
        field, allowed = _FIELDS[int(out[1])]
        raise InvalidOrderError(row, field, allowed, orders[field][row].item())
    return out


def match_stream(orders: np.ndarray) -> np.ndarray:
    """Replay `orders` (ORDER_DTYPE) into one empty book; return every fill in execution order.

    Strict price-time priority, fills at the resting order's price, partial fills. LIMIT rests
    what it does not fill; MARKET (price ignored) and IOC never rest. CANCEL removes the live order
    with that id and does nothing for an unknown, filled or cancelled id. Prices may be anywhere
    in 1 .. 2**62: the level grid covers the prices the stream uses (a dense window, or the
    sorted distinct prices when they are spread too far for one).

    Raises:
        InvalidOrderError: (a ValueError) naming the first invalid row and field: unknown kind or
            side, qty <= 0, price < 1 for LIMIT/IOC, or an id reused while its order is live.
    """
    orders = np.asarray(orders).reshape(-1)
    try:
        rng = validate_orders(orders)
    except InvalidOrderError as bad:
        # an id reused while live before the bad row is the first error: replay the rows before
        if bad.row > 0:
            match_stream(orders[: bad.row])
        raise
    n = orders.size
    ids, side, kind, price, qty = _columns(orders)
    if n == 0:
        return np.zeros(0, TRADE_DTYPE)
    # ids and prices map to dense indices: an offset when their span is small, else ranks
    id_lo, id_hi, p_lo, p_hi = (int(x) for x in rng[2:])
    empty = np.zeros(0, np.int64)
    id_map, id_table = empty, None
    if id_hi - id_lo < 4 * n + 1024:
        n_ids = id_hi - id_lo + 1
    else:
        id_table, inv = np.unique(ids, return_inverse=True)
        id_map, n_ids, id_lo = inv.astype(np.int64), id_table.size, 0
    price_map, price_table = empty, None
    if p_hi < p_lo:  # no priced order at all
        n_levels, p_lo = 1, 0
    elif p_hi - p_lo < 4 * n + 1024:
        n_levels = p_hi - p_lo + 1
    else:
        priced = (kind == OrderKind.LIMIT) | (kind == OrderKind.IOC)
        price_table, inv = np.unique(price[priced], return_inverse=True)
        price_map = np.zeros(n, np.int64)
        price_map[priced] = inv
        n_levels, p_lo = price_table.size, 0

    bk = new_book(np.zeros(1, np.int64), np.array([n_levels], np.int64))
    pl = new_pool(int(np.count_nonzero(kind == OrderKind.LIMIT)))
    # each fill ends the incoming order or a resting one, so fills <= 2 * rows; np.empty pages
    # that are never written cost no memory
    tp = new_tape(2 * n + 1, columns=4)
    id_slot = np.full(n_ids, -1, np.int64)
    status, row = K.match_stream_kernel(bk, pl, tp, ids, side, kind, price, qty, id_lo, id_map,
                                        p_lo, price_map, id_slot, new_accounts(1, 1),
                                        np.zeros((1, 8), np.int64))
    if status == K.ID_LIVE:
        raise InvalidOrderError(row, "id", "an id with no live order", int(ids[row]))
    k = int(tp.n[0])
    # the tape's first rows are the result (untouched pages past them cost no memory)
    out = tp.rows[:k].view(TRADE_DTYPE)[:, 0]
    for col in ("taker", "maker"):
        if id_table is not None:
            out[col] = id_table[out[col]]
        elif id_lo:
            out[col] += id_lo
    if price_table is not None:
        out["price"] = price_table[out["price"]]
    elif p_lo:
        out["price"] += p_lo
    return out
