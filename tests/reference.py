"""Slow, obviously-correct twin of `market.match_stream`, and a declarative book builder.

Plain Python only: a side of the book is a dict price (ticks) -> deque of [id, qty] in arrival
order; the best price is max()/min() over the dict's keys. Nothing here is fast on purpose.
"""

from collections import deque

import numpy as np
from hypothesis import strategies as st

from market import ORDER_DTYPE, InvalidOrderError, OrderKind, Side

__all__ = [
    "ReferenceBook",
    "book_with",
    "first_invalid",
    "make_orders",
    "reference_match",
    "streams",
]

LIMIT, MARKET, CANCEL, IOC = (int(k) for k in OrderKind)
BUY, SELL = int(Side.BUY), int(Side.SELL)


def make_orders(rows) -> np.ndarray:
    """ORDER_DTYPE array from (id, side, kind, price, qty) tuples."""
    out = np.zeros(len(rows), ORDER_DTYPE)
    for i, (oid, side, kind, price, qty) in enumerate(rows):
        out[i] = (oid, side, kind, price, qty, 0, 0, 0, 0)
    return out


def book_with(bids=(), asks=(), first_id: int = 1) -> np.ndarray:
    """LIMIT rows that build a book: bids=[(price, [qty, ...]), ...], asks likewise.

    Ids are assigned first_id, first_id + 1, ... in the order listed (bids first, then asks);
    within a level the quantities are queued in the order listed. The book must not cross.
    """
    bid_prices = [p for p, _ in bids]
    ask_prices = [p for p, _ in asks]
    if bid_prices and ask_prices and max(bid_prices) >= min(ask_prices):
        raise ValueError("book_with: bids and asks cross")
    rows = []
    oid = first_id
    for side, levels in ((BUY, bids), (SELL, asks)):
        for price, qtys in levels:
            for q in qtys:
                rows.append((oid, side, LIMIT, price, q))
                oid += 1
    return make_orders(rows)


def _row_field(kind: int, side: int, price: int, qty: int) -> str | None:
    """The first invalid field of a row, looked at alone, in the order the engine checks them."""
    if kind not in (LIMIT, MARKET, CANCEL, IOC):
        return "kind"
    if kind == CANCEL:
        return None
    if side not in (BUY, SELL):
        return "side"
    if qty <= 0:
        return "qty"
    if kind in (LIMIT, IOC) and price < 1:
        return "price"
    return None


class ReferenceBook:
    """One book, replayed a row at a time. `live` maps the id of every resting order to its
    (side, price); `sides` maps a side to price (ticks) -> deque of [id, qty], oldest first."""

    def __init__(self):
        self.sides = {BUY: {}, SELL: {}}
        self.live = {}

    def invalid_field(self, oid: int, side: int, kind: int, price: int, qty: int) -> str | None:
        """The field that makes this row invalid now, or None."""
        bad = _row_field(kind, side, price, qty)
        if bad is None and kind != CANCEL and oid in self.live:
            bad = "id"
        return bad

    def step(self, oid: int, side: int, kind: int, price: int, qty: int) -> list:
        """Apply one valid row; return its fills (taker, maker, price, qty)."""
        if kind == CANCEL:
            if oid in self.live:
                sd, p = self.live.pop(oid)
                queue = self.sides[sd][p]
                for entry in queue:
                    if entry[0] == oid:
                        queue.remove(entry)
                        break
                if not queue:
                    del self.sides[sd][p]
            return []
        fills = []
        opposite = self.sides[-side]
        while qty > 0 and opposite:
            best = min(opposite) if side == BUY else max(opposite)
            if kind != MARKET and (best > price if side == BUY else best < price):
                break
            queue = opposite[best]
            maker = queue[0]
            f = min(qty, maker[1])
            fills.append((oid, maker[0], best, f))
            qty -= f
            maker[1] -= f
            if maker[1] == 0:
                queue.popleft()
                del self.live[maker[0]]
                if not queue:
                    del opposite[best]
        if qty > 0 and kind == LIMIT:
            self.sides[side].setdefault(price, deque()).append([oid, qty])
            self.live[oid] = (side, price)
        return fills


def _run(orders):
    """Replay; return (fills, None) or (fills so far, (row, field)) at the first invalid row."""
    book = ReferenceBook()
    fills = []
    for i, r in enumerate(np.asarray(orders).reshape(-1)):
        row = int(r["id"]), int(r["side"]), int(r["kind"]), int(r["price"]), int(r["qty"])
        bad = book.invalid_field(*row)
        if bad is not None:
            return fills, (i, bad)
        fills += book.step(*row)
    return fills, None


def first_invalid(orders) -> tuple[int, str] | None:
    """(row, field) of the first invalid row of the stream, or None when every row is valid.

    A row is invalid alone (unknown kind; for a non-cancel an unknown side, qty <= 0, or price < 1
    for LIMIT/IOC) or in context (a non-cancel reusing the id of a live order).
    """
    return _run(orders)[1]


def reference_match(orders) -> list[tuple[int, int, int, int]]:
    """Every fill (taker id, maker id, price in ticks, qty) of the stream, in execution order.

    Raises:
        InvalidOrderError: at the first invalid row (see `first_invalid`).
    """
    fills, bad = _run(orders)
    if bad is not None:
        raise InvalidOrderError(bad[0], bad[1], "valid (reference engine)")
    return fills


# hypothesis strategy shared by the match_stream and Exchange tests

_KINDS = [LIMIT] * 5 + [MARKET] * 2 + [IOC] * 2 + [CANCEL] * 3
ID_BASES = st.sampled_from([0, -50, 2**40])


@st.composite
def streams(draw, prices, max_rows=50, reuse=True, ids=ID_BASES):
    """A valid stream: limits, markets, IOCs, cancels of live, dead and unknown ids.

    With `reuse`, a non-cancel row may take the id of an order that is no longer live.
    """
    n = draw(st.integers(0, max_rows))
    next_id = draw(ids)
    book = ReferenceBook()
    used = []
    rows = []
    for _ in range(n):
        kind = draw(st.sampled_from(_KINDS))
        if kind == CANCEL:
            pick = draw(st.integers(0, 3))
            if used and pick > 0:
                oid = draw(st.sampled_from(sorted(book.live))) if pick == 1 and book.live else (
                    draw(st.sampled_from(used)))
            else:
                oid = next_id + 10**6  # never used
            side, price, qty = draw(st.integers(-128, 127)), draw(prices), draw(st.integers(-5, 5))
        else:
            dead = [i for i in used if i not in book.live]
            if reuse and dead and draw(st.integers(0, 4)) == 0:
                oid = draw(st.sampled_from(dead))
            else:
                oid = next_id
                next_id += 1
            side = draw(st.sampled_from([BUY, SELL]))
            price = draw(prices) if kind != MARKET else draw(st.integers(-10, 10))
            qty = draw(st.integers(1, 12))
            used.append(oid)
        book.step(oid, side, kind, price, qty)
        rows.append((oid, side, kind, price, qty))
    return make_orders(rows)

