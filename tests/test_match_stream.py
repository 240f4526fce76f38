"""Tests for market.match_stream: hand-made books, invalid rows, and the kernel against its twin.

Every hand-made case is also checked against `reference.reference_match`, so a wrong expectation
written here and a wrong engine cannot agree by accident.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import (
    ReferenceBook,
    book_with,
    first_invalid,
    make_orders,
    reference_match,
    streams,
)

from market import TRADE_DTYPE, InvalidOrderError, OrderKind, Side, match_stream

LIMIT, MARKET, CANCEL, IOC = (int(k) for k in OrderKind)
BUY, SELL = int(Side.BUY), int(Side.SELL)


def fills(orders) -> list[tuple[int, int, int, int]]:
    """match_stream's fills as tuples, after checking the dtype and agreement with the twin."""
    out = match_stream(orders)
    assert out.dtype == TRADE_DTYPE
    got = [tuple(int(x) for x in f) for f in out]
    assert got == reference_match(orders)
    return got


def then(*arrays) -> np.ndarray:
    """Concatenate ORDER_DTYPE arrays and row lists (id, side, kind, price, qty) into one stream."""
    parts = [a if isinstance(a, np.ndarray) else make_orders(a) for a in arrays]
    return np.concatenate(parts)


# ---------------------------------------------------------------------------------------------
# Priority and partial fills
# ---------------------------------------------------------------------------------------------


def test_price_priority_buy_takes_lowest_ask_first():
    book = book_with(asks=[(101, [5]), (100, [5]), (102, [5])])  # ids 1, 2, 3
    assert fills(then(book, [(10, BUY, LIMIT, 101, 7)])) == [(10, 2, 100, 5), (10, 1, 101, 2)]


def test_price_priority_sell_takes_highest_bid_first():
    book = book_with(bids=[(99, [5]), (100, [5]), (98, [5])])  # ids 1, 2, 3
    assert fills(then(book, [(10, SELL, LIMIT, 98, 12)])) == [
        (10, 2, 100, 5), (10, 1, 99, 5), (10, 3, 98, 2)]


def test_time_priority_within_a_level():
    book = book_with(asks=[(100, [3, 4, 5])])  # ids 1, 2, 3, oldest first
    stream = then(book, [(10, BUY, LIMIT, 100, 8), (11, BUY, LIMIT, 100, 10)])
    assert fills(stream) == [(10, 1, 100, 3), (10, 2, 100, 4), (10, 3, 100, 1), (11, 3, 100, 4)]


def test_a_later_order_at_a_better_price_goes_first():
    book = book_with(bids=[(100, [4])])
    stream = then(book, [(2, BUY, LIMIT, 101, 4), (3, SELL, MARKET, 0, 6)])
    assert fills(stream) == [(3, 2, 101, 4), (3, 1, 100, 2)]


def test_partial_fill_of_the_maker_keeps_its_place():
    book = book_with(asks=[(100, [10, 5])])  # ids 1, 2
    stream = then(book, [(10, BUY, LIMIT, 100, 4), (11, BUY, LIMIT, 100, 7)])
    assert fills(stream) == [(10, 1, 100, 4), (11, 1, 100, 6), (11, 2, 100, 1)]


def test_partial_fill_of_the_taker_rests_the_rest_at_its_limit():
    book = book_with(asks=[(100, [3])])
    stream = then(book, [(10, BUY, LIMIT, 102, 10), (11, SELL, MARKET, 0, 20)])
    # the rest of 10 (7 shares) rests at its own limit, 102, not at the price it traded at
    assert fills(stream) == [(10, 1, 100, 3), (11, 10, 102, 7)]


def test_fill_is_at_the_resting_price_not_the_incoming_limit():
    book = book_with(bids=[(105, [2])], asks=[(110, [2])])
    stream = then(book, [(10, SELL, LIMIT, 1, 2), (11, BUY, LIMIT, 10**6, 2)])
    assert fills(stream) == [(10, 1, 105, 2), (11, 2, 110, 2)]


def test_limit_that_does_not_cross_rests_without_fills():
    book = book_with(bids=[(99, [5])], asks=[(101, [5])])
    stream = then(book, [(10, BUY, LIMIT, 100, 3), (11, SELL, LIMIT, 100, 1)])
    assert fills(stream) == [(11, 10, 100, 1)]


# ---------------------------------------------------------------------------------------------
# Market and IOC orders
# ---------------------------------------------------------------------------------------------


def test_market_buy_sweeps_several_levels_and_ignores_price():
    book = book_with(asks=[(100, [2]), (101, [3]), (105, [4])])
    stream = then(book, [(10, BUY, MARKET, 1, 8)])  # a price of 1 tick would cross nothing
    assert fills(stream) == [(10, 1, 100, 2), (10, 2, 101, 3), (10, 3, 105, 3)]


def test_market_sell_sweeps_the_whole_book_and_the_rest_is_dropped():
    book = book_with(bids=[(100, [2]), (90, [3])])
    stream = then(book, [(10, SELL, MARKET, 10**9, 50), (11, BUY, LIMIT, 10**6, 1)])
    assert fills(stream) == [(10, 1, 100, 2), (10, 2, 90, 3)]


def test_market_into_an_empty_book_does_nothing_and_does_not_rest():
    stream = make_orders([(1, BUY, MARKET, 0, 5), (2, SELL, LIMIT, 1, 5), (3, SELL, MARKET, 0, 5)])
    assert fills(stream) == []


def test_market_into_an_empty_side_does_not_rest():
    book = book_with(bids=[(100, [5])])
    stream = then(book, [(10, BUY, MARKET, 0, 5), (11, SELL, LIMIT, 100, 9)])
    assert fills(stream) == [(11, 1, 100, 5)]


def test_ioc_fills_what_crosses_and_the_rest_does_not_rest():
    book = book_with(asks=[(100, [3]), (102, [4])])
    # the IOC crosses 100 only; if its 2 left over rested at 101, the sell would fill at 101
    stream = then(book, [(10, BUY, IOC, 101, 5), (11, SELL, LIMIT, 101, 5)])
    assert fills(stream) == [(10, 1, 100, 3)]
    stream = then(stream, [(12, BUY, MARKET, 0, 20)])
    assert fills(stream)[1:] == [(12, 11, 101, 5), (12, 2, 102, 4)]


def test_ioc_that_does_not_cross_does_nothing():
    book = book_with(bids=[(100, [3])])
    stream = then(book, [(10, SELL, IOC, 101, 5), (11, BUY, LIMIT, 101, 5)])
    assert fills(stream) == []


# ---------------------------------------------------------------------------------------------
# Cancels and ids
# ---------------------------------------------------------------------------------------------


def test_cancel_of_a_live_order_removes_it():
    book = book_with(asks=[(100, [3, 4])])  # ids 1, 2
    stream = then(book, [(1, 0, CANCEL, 0, 0), (10, BUY, LIMIT, 100, 10)])
    assert fills(stream) == [(10, 2, 100, 4)]


def test_cancel_of_a_partly_filled_order_removes_the_rest():
    book = book_with(asks=[(100, [5]), (101, [5])])
    stream = then(book, [(10, BUY, IOC, 100, 2), (1, 0, CANCEL, 0, 0), (11, BUY, MARKET, 0, 10)])
    assert fills(stream) == [(10, 1, 100, 2), (11, 2, 101, 5)]


def test_cancel_of_the_only_order_at_the_best_level_moves_the_best():
    book = book_with(bids=[(100, [5]), (97, [5])])
    stream = then(book, [(1, 0, CANCEL, 0, 0), (10, SELL, LIMIT, 98, 10)])
    assert fills(stream) == []
    assert fills(then(stream, [(11, SELL, LIMIT, 97, 1)])) == [(11, 2, 97, 1)]


@pytest.mark.parametrize("which", ["filled", "unknown", "cancelled twice", "never rested"])
def test_cancel_of_an_id_with_no_live_order_does_nothing(which):
    book = book_with(bids=[(100, [5])], asks=[(101, [5, 6])])  # ids 1, 2, 3
    before, cancels = {
        "filled": ([(10, BUY, LIMIT, 101, 5)], [(2, 0, CANCEL, 0, 0)]),
        "unknown": ([], [(999, 0, CANCEL, 0, 0), (-7, 0, CANCEL, 0, 0)]),
        "cancelled twice": ([(3, 0, CANCEL, 0, 0)], [(3, 0, CANCEL, 0, 0)]),
        "never rested": ([(10, SELL, IOC, 200, 1)], [(10, 0, CANCEL, 0, 0)]),
    }[which]
    # order 30 may take the pool slot the dead order left: the cancel must not remove it
    stream = then(book, before, [(30, BUY, LIMIT, 90, 1)], cancels,
                  [(20, BUY, MARKET, 0, 100), (21, SELL, MARKET, 0, 100)])
    expected = {
        "filled": [(10, 2, 101, 5), (20, 3, 101, 6)],
        "unknown": [(20, 2, 101, 5), (20, 3, 101, 6)],
        "cancelled twice": [(20, 2, 101, 5)],
        "never rested": [(20, 2, 101, 5), (20, 3, 101, 6)],
    }[which]
    assert fills(stream) == expected + [(21, 1, 100, 5), (21, 30, 90, 1)]


def test_cancel_row_ignores_garbage_side_price_and_qty():
    book = book_with(asks=[(100, [3, 4])])
    stream = then(book, [(1, 7, CANCEL, -5, -3), (2, -128, CANCEL, 2**62, 0),
                         (10, BUY, LIMIT, 100, 10)])
    assert fills(stream) == []
    assert fills(then(stream, [(11, SELL, MARKET, 0, 10)])) == [(11, 10, 100, 10)]


def test_id_reuse_after_fill_or_cancel_is_allowed():
    book = book_with(bids=[(100, [5])], asks=[(101, [5])])  # ids 1, 2
    stream = then(book, [(10, SELL, LIMIT, 100, 5),  # fills id 1
                         (2, 0, CANCEL, 0, 0),
                         (1, SELL, LIMIT, 102, 3),  # 1 again, now an ask
                         (2, BUY, LIMIT, 99, 4),  # 2 again, now a bid
                         (10, BUY, MARKET, 0, 1)])  # 10 never rested
    assert fills(stream) == [(10, 1, 100, 5), (10, 1, 102, 1)]
    assert fills(then(stream, [(2, 0, CANCEL, 0, 0), (30, SELL, MARKET, 0, 9)])) == [
        (10, 1, 100, 5), (10, 1, 102, 1)]


@pytest.mark.parametrize("kind", [LIMIT, MARKET, IOC])
@pytest.mark.parametrize("partly_filled", [False, True])
def test_id_reuse_while_live_raises(kind, partly_filled):
    book = book_with(bids=[(100, [5])], asks=[(101, [5])])  # ids 1, 2
    pre = [(10, SELL, IOC, 100, 2)] if partly_filled else []
    stream = then(book, pre, [(1, SELL, kind, 105, 1)])
    with pytest.raises(InvalidOrderError) as e:
        match_stream(stream)
    assert (e.value.row, e.value.field) == (len(stream) - 1, "id")
    assert first_invalid(stream) == (len(stream) - 1, "id")


def test_prices_1_and_10_to_the_12_in_one_stream():
    stream = make_orders([(1, SELL, LIMIT, 10**12, 2), (2, BUY, LIMIT, 1, 2),
                          (3, SELL, LIMIT, 10**12 - 1, 1), (4, BUY, MARKET, 0, 3),
                          (5, SELL, IOC, 1, 5), (6, BUY, LIMIT, 10**12, 1)])
    assert fills(stream) == [(4, 3, 10**12 - 1, 1), (4, 1, 10**12, 2), (5, 2, 1, 2)]


@pytest.mark.parametrize("big", [2**62, 2**63 - 1])
def test_prices_up_to_the_top_of_int64(big):
    stream = make_orders([(1, SELL, LIMIT, big, 2), (2, SELL, LIMIT, 1, 1),
                          (3, BUY, LIMIT, big, 5)])
    assert fills(stream) == [(3, 2, 1, 1), (3, 1, big, 2)]


@pytest.mark.parametrize("ids", [(-5, 2**60), (-(2**63), 2**63 - 1), (0, 1)])
def test_ids_far_apart_in_one_stream(ids):
    a, b = ids
    stream = make_orders([(a, SELL, LIMIT, 100, 2), (b, SELL, LIMIT, 100, 3),
                          (a, 0, CANCEL, 0, 0), (a, BUY, LIMIT, 100, 1),
                          (b, 0, CANCEL, 0, 0), (b, BUY, MARKET, 0, 1),
                          (a, SELL, LIMIT, 99, 1)])
    assert fills(stream) == [(a, b, 100, 1)]


def test_empty_stream_and_a_stream_of_cancels():
    assert match_stream(make_orders([])).size == 0
    assert fills(make_orders([(1, 0, CANCEL, 0, 0), (2, 5, CANCEL, -1, -1)])) == []


# ---------------------------------------------------------------------------------------------
# Invalid rows
# ---------------------------------------------------------------------------------------------

_VALID_PREFIX = [(1, BUY, LIMIT, 100, 5), (2, SELL, LIMIT, 101, 5)]


@pytest.mark.parametrize(
    "row, field",
    [
        ((9, BUY, LIMIT, 100, 0), "qty"),
        ((9, SELL, MARKET, 0, -1), "qty"),
        ((9, BUY, IOC, 100, -(2**62)), "qty"),
        ((9, BUY, LIMIT, 0, 5), "price"),
        ((9, SELL, IOC, -1, 5), "price"),
        ((9, 0, LIMIT, 100, 5), "side"),
        ((9, 2, MARKET, 100, 5), "side"),
        ((9, -2, IOC, 100, 5), "side"),
        ((9, BUY, 4, 100, 5), "kind"),
        ((9, BUY, -1, 100, 5), "kind"),
        ((9, 9, 9, -9, -9), "kind"),
        ((9, 0, LIMIT, 0, 0), "side"),  # the first bad field in the engine's order
        ((9, BUY, LIMIT, 0, 0), "qty"),
        ((1, SELL, LIMIT, 105, 5), "id"),
        ((2, BUY, IOC, 99, 5), "id"),
    ],
)
def test_invalid_row_raises_naming_row_and_field(row, field):
    stream = then(_VALID_PREFIX, [row], [(3, BUY, LIMIT, 0, 0)])  # a later bad row too
    with pytest.raises(InvalidOrderError) as e:
        match_stream(stream)
    assert isinstance(e.value, ValueError)
    assert (e.value.row, e.value.field) == (2, field)
    assert "row 2" in str(e.value) and f"'{field}'" in str(e.value)
    assert first_invalid(stream) == (2, field)


def test_market_price_is_not_validated():
    book = book_with(asks=[(100, [1])])
    assert fills(then(book, [(5, BUY, MARKET, -(2**62), 1)])) == [(5, 1, 100, 1)]


def test_first_invalid_row_wins_when_an_id_reuse_comes_before_a_bad_field():
    stream = make_orders([(1, BUY, LIMIT, 100, 5),
                          (1, BUY, LIMIT, 100, 5),  # row 1: id 1 is live
                          (2, BUY, LIMIT, 100, 0)])  # row 2: qty 0
    with pytest.raises(InvalidOrderError) as e:
        match_stream(stream)
    assert (e.value.row, e.value.field) == (1, "id")


# ---------------------------------------------------------------------------------------------
# Property tests against the reference engine
# ---------------------------------------------------------------------------------------------

SMALL = st.integers(97, 103)
SPREAD = st.builds(lambda base, d: base + d, st.sampled_from([1, 1000, 10**6, 10**12, 2**62]),
                   st.integers(0, 2))
MIXED = st.integers(1, 3000)  # spans on both sides of the dense-window threshold


def check_output(stream, out):
    """Each fill is at the maker's limit price, inside the taker's limit, qty > 0; no order
    fills more than its qty. Needs a stream whose non-cancel rows have distinct ids."""
    rows = {int(r["id"]): r for r in stream if r["kind"] != CANCEL}
    filled = dict.fromkeys(rows, 0)
    for taker, maker, price, qty in out.tolist():
        t, m = rows[taker], rows[maker]
        assert qty > 0
        assert m["kind"] == LIMIT and price == m["price"] and m["side"] == -t["side"]
        if t["kind"] != MARKET:
            assert price <= t["price"] if t["side"] == BUY else price >= t["price"]
        filled[taker] += qty
        filled[maker] += qty
    assert all(filled[i] <= rows[i]["qty"] for i in rows)


@settings(max_examples=250, deadline=None)
@given(streams(SMALL))
def test_matches_reference_small_price_range(stream):
    assert fills(stream) == reference_match(stream)


@settings(max_examples=120, deadline=None)
@given(streams(SPREAD, ids=st.sampled_from([0, -(2**62), 2**60])))
def test_matches_reference_huge_price_and_id_spread(stream):
    fills(stream)


@settings(max_examples=120, deadline=None)
@given(streams(MIXED, max_rows=80))
def test_matches_reference_mixed_price_range(stream):
    fills(stream)


@settings(max_examples=150, deadline=None)
@given(st.one_of(streams(SMALL, reuse=False), streams(SPREAD, reuse=False)))
def test_output_invariants(stream):
    out = match_stream(stream)
    check_output(stream, out)
    assert [tuple(f) for f in out.tolist()] == reference_match(stream)


_BAD = {
    "kind": st.tuples(st.sampled_from([-1, 4, 5, 127, -128]), st.integers(-3, 3),
                      st.integers(-3, 3), st.integers(-3, 3)),
    "side": st.tuples(st.sampled_from([LIMIT, MARKET, IOC]), st.sampled_from([0, 2, -2, 127]),
                      st.integers(1, 5), st.integers(1, 5)),
    "qty": st.tuples(st.sampled_from([LIMIT, MARKET, IOC]), st.sampled_from([BUY, SELL]),
                     st.integers(1, 5), st.integers(-(2**62), 0)),
    "price": st.tuples(st.sampled_from([LIMIT, IOC]), st.sampled_from([BUY, SELL]),
                       st.integers(-(2**62), 0), st.integers(1, 5)),
}


@settings(max_examples=150, deadline=None)
@given(streams(SMALL, max_rows=30, reuse=False), st.data())
def test_invalid_row_anywhere_is_named(stream, data):
    at = data.draw(st.integers(0, len(stream)))
    field = data.draw(st.sampled_from(sorted(_BAD) + ["id"]))
    book = ReferenceBook()
    for r in stream[:at]:
        book.step(*(int(r[f]) for f in ("id", "side", "kind", "price", "qty")))
    if field == "id":
        if not book.live:
            return
        oid = data.draw(st.sampled_from(sorted(book.live)))
        row = (oid, data.draw(st.sampled_from([BUY, SELL])),
               data.draw(st.sampled_from([LIMIT, MARKET, IOC])), 100, 1)
    else:
        kind, side, price, qty = data.draw(_BAD[field])
        row = (-1, side, kind, price, qty)
    bad = then(stream[:at], [row], stream[at:])
    assert first_invalid(bad) == (at, field)
    with pytest.raises(InvalidOrderError) as e:
        match_stream(bad)
    assert (e.value.row, e.value.field) == (at, field)
