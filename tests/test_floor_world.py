"""The trading floor's world without HTTP (scenarios.floor): students as accounts in the agents'
exchange, their orders at the start of a minute, fills from the tape, buying power and margin
calls, conservation, the session log and its replay, and the floor's settings.

Money in cents inside, dollars at the edges; the expected numbers below are worked by hand.
"""

import json

import numpy as np
import pytest
from floor_client import SEED, slow_floor, small_deepseek, small_sets

from agents.params import ParamError
from market import Motive
from scenarios.engine.simulation import MINUTES, Simulation
from scenarios.floor import (
    Action,
    Floor,
    FloorError,
    FloorWorld,
    check_floor,
    floor_from_dict,
    floor_with,
    parse_order,
    replay,
)
from scenarios.floor.log import LogError, SessionLog, read_segments
from scenarios.floor.orders import check_buying_power

TICKERS = ("AAA", "BBB")
BUY, SELL = 1, -1


# -- the world ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def traded(tmp_path_factory):
    """Two students trading through deepseek's two small days, logged: market and limit
    orders, a cancel, a sell beyond their shares (a short), a rejected order."""
    log_path = tmp_path_factory.mktemp("floor") / "session.jsonl"
    sc = small_deepseek()
    w = FloorWorld(sc, slow_floor(), SEED, log=SessionLog(log_path), sets=small_sets())
    plan = {}
    ann, bob = w.join("ann"), w.join("bob")
    nvda, amd = w.tickers.index("NVDA"), w.tickers.index("AMD")
    seq = iter(range(1, 1000))

    def order(student, stock, side, kind, qty, price=None):
        return Action("order", next(seq), student, stock=stock, side=side, type=kind, qty=qty,
                      price=price)

    g_market = None
    for g in range(2 * MINUTES):
        acts = []
        mark = int(w.marks()[nvda])
        if g_market is None and g >= 3 and _deep(w, nvda, SELL, 600) and _deep(w, amd, BUY, 400):
            g_market = g  # the small world's book is thin after the open: wait for depth
            acts = [order(ann.index, nvda, BUY, "market", 300),
                    order(bob.index, amd, SELL, "market", 200)]  # a short: bob holds none
        elif g_market is not None and g == g_market + 7:
            acts = [order(ann.index, nvda, SELL, "limit", 100, mark + 5),
                    order(bob.index, nvda, BUY, "limit", 150, mark - 200)]
            plan["bob_bid"] = acts[1].id
        elif g_market is not None and g == g_market + 9:
            acts = [Action("cancel", plan["bob_bid"], bob.index)]
        elif g == 400:  # day 1: Monday
            acts = [order(ann.index, nvda, SELL, "market", 150),
                    order(bob.index, nvda, BUY, "limit", 10**6 // 10, mark)]  # over power
        w.step_minute(acts)
    assert g_market is not None and g_market < 60
    w.g_market = g_market
    return w, log_path


def _deep(w, stock, side, shares) -> bool:
    """At least `shares` rest on `side` of the stock's book (ten best levels)."""
    bp, bq, ap, aq = w.exchange.depth(stock, 10)
    return int((aq if side == SELL else bq).sum()) >= shares


def test_no_students_trading_is_the_plain_scenario_bar_for_bar():
    sc = small_deepseek(1)
    w = FloorWorld(sc, slow_floor(), SEED)
    w.join("ann")
    w.join("bob")
    ref = Simulation(sc, SEED)
    for _ in range(MINUTES):
        w.step_minute(())
        ref.step()
    np.testing.assert_array_equal(w.bars, ref.bars)
    np.testing.assert_array_equal(w.motive_volume, ref.motive_volume)
    np.testing.assert_array_equal(w.daily, ref.daily)
    assert w.student_tape().size == 0


def test_students_fills_are_the_tapes_rows_and_tagged_student(traded):
    w, _ = traded
    tape = w.student_tape()
    n0 = w.n_agents
    assert tape.size > 0
    for st in w.students:
        rows = tape[(tape["buyer"] == st.account) | (tape["seller"] == st.account)]
        fills = st.fills
        assert len(fills) == rows.size > 0
        for f, r in zip(fills, rows, strict=True):
            assert (f["qty"], f["price"], f["time"]) == (int(r["qty"]), int(r["price"]),
                                                          int(r["time"]))
            assert f["ticker"] == w.tickers[int(r["stock"])]
            mine_buy = int(r["buyer"]) == st.account
            assert f["side"] == ("buy" if mine_buy else "sell")
            assert (r["buyer_motive"] if mine_buy else r["seller_motive"]) == Motive.STUDENT
        # what the tape says they traded is exactly what their account moved
        bought = np.zeros(len(w.tickers), np.int64)
        paid = 0
        for r in rows:
            q, p = int(r["qty"]), int(r["price"])
            sgn = 1 if int(r["buyer"]) == st.account else -1
            bought[int(r["stock"])] += sgn * q
            paid += sgn * q * p
        cash, shares = w.account(st.index)
        assert cash == 100_000 * 100 - paid
        assert shares.tolist() == bought.tolist()
    # the counterparties are agents: the two students never met
    assert ((tape["buyer"] < n0) | (tape["seller"] < n0)).all()


def test_cash_and_shares_are_conserved_exactly_across_agents_and_students(traded):
    w, _ = traded
    ex = w.exchange
    agents0 = Simulation(small_deepseek(), SEED).exchange
    # what the agents started with, plus two students of $100,000 and no shares each
    assert int(ex.cash.sum()) == int(agents0.cash.sum()) + 2 * 100_000 * 100
    assert (ex.shares.sum(axis=0) == agents0.shares.sum(axis=0)).all()
    assert w.conserved()


def test_orders_take_their_course(traded):
    w, _ = traded
    ann, bob = (w.orders_view(k, done=1000) for k in (0, 1))
    by_id = {o["id"]: o for o in ann + bob}
    assert by_id[1]["status"] == "filled" and by_id[1]["filled"] == 300
    assert by_id[1]["minute"] == w.g_market
    assert by_id[2]["status"] == "filled"  # bob's short of 200 AMD at market
    assert w.account(1)[1][w.tickers.index("AMD")] == -200
    assert by_id[4]["status"] == "cancelled" and by_id[4]["reason"] == "cancelled by you"
    assert by_id[6]["status"] == "rejected" and "buying power" in by_id[6]["reason"]
    done = ("filled", "cancelled", "expired", "rejected")
    assert all(o["status"] in done for o in by_id.values())


def test_a_student_order_enters_at_the_start_of_its_minute_before_the_agents():
    sc = small_deepseek(1)
    w = FloorWorld(sc, slow_floor(), SEED)
    st = w.join("ann")
    for _ in range(5):
        w.step_minute(())
    while not _deep(w, 0, SELL, 100):
        w.step_minute(())
    g = w.minutes_done
    w.step_minute([Action("order", 1, st.index, stock=0, side=BUY, type="market", qty=50)])
    tape = w.student_tape()
    assert tape.size > 0 and (tape["time"] == g * 60).all()  # the minute's first second
    assert (tape["taker_side"] == BUY).all()  # it took liquidity: it came first


def test_a_margin_call_sells_for_the_student_when_equity_falls_under_maintenance():
    """Leveraged 3.7x long Nvidia over the weekend: Monday's open gap puts equity under 25% of
    gross exposure and the first minute sells the position back to 3.9x."""
    sc = small_deepseek()
    f = slow_floor("floor.max_leverage=3.9", "floor.price_band_pct=1")
    w = FloorWorld(sc, f, SEED)
    st = w.join("lev")
    nvda = w.tickers.index("NVDA")
    for _ in range(MINUTES - 40):
        w.step_minute(())
    mark = int(w.marks()[nvda])
    q = int(3.7 * 100_000 * 100 // mark)
    for i in range(1, 31):  # a few hundred shares a minute: the small world's book is thin
        held = int(w.account(0)[1][nvda])
        if held >= q:
            break
        w.step_minute([Action("order", i, st.index, stock=nvda, side=BUY, type="market",
                              qty=min(400, q - held))])
    held = int(w.account(0)[1][nvda])
    cash = w.account(0)[0]
    lev = held * int(w.marks()[nvda]) / (cash + held * int(w.marks()[nvda]))
    assert held >= 0.97 * q and lev > 3.5, (held, q, lev)
    while w.minutes_done < MINUTES - 1:
        w.step_minute(())
    while w.minutes_done < MINUTES + 8:
        w.step_minute(())
    assert w.margin_calls, "Monday's gap should have called the margin"
    first = w.margin_calls[0]
    assert first["minute"] == MINUTES  # Monday's first minute, at the opening price
    assert first["equity"] < 0.25 * first["gross"]
    # the thin book fills part of each forced sale: the call comes again each minute until
    # the account is back over the limit
    minutes = [c["minute"] for c in w.margin_calls]
    assert minutes == list(range(MINUTES, MINUTES + len(minutes))) and len(minutes) < 8
    for c in w.margin_calls:
        assert c["equity"] < 0.25 * c["gross"]
        assert [(o["ticker"], o["side"]) for o in c["orders"]] == [("NVDA", "sell")]
    forced = [x for x in st.fills if x["forced"]]
    assert forced and all(x["side"] == "sell" and x["minute"] in minutes for x in forced)
    now = int(w.account(0)[1][nvda])
    assert now == held - sum(x["qty"] for x in forced) > 0
    cash, mark = w.account(0)[0], int(w.marks()[nvda])
    assert cash + now * mark >= 0.25 * now * mark  # over maintenance again
    assert w.conserved()


# -- the log and the replay ------------------------------------------------------------------------


def test_replay_from_the_log_gives_the_same_run_bit_for_bit(traded):
    w, log_path = traded
    r = replay(log_path)
    assert r.minutes_done == w.minutes_done == 2 * MINUTES
    np.testing.assert_array_equal(r.bars, w.bars)
    np.testing.assert_array_equal(r.motive_volume, w.motive_volume)
    np.testing.assert_array_equal(r.student_tape(), w.student_tape())
    np.testing.assert_array_equal(r.exchange.cash, w.exchange.cash)
    np.testing.assert_array_equal(r.exchange.shares, w.exchange.shares)
    assert [s.fills for s in r.students] == [s.fills for s in w.students]


def test_the_log_holds_the_seed_and_every_action_with_its_minute(traded):
    _, log_path = traded
    (seg,) = read_segments(log_path)
    head = seg[0]
    assert head["type"] == "session" and head["seed"] == SEED and head["sets"] == small_sets()
    kinds = [(r["type"], r.get("minute")) for r in seg[1:]]
    assert kinds[:2] == [("join", 0), ("join", 0)]
    w, _ = traded
    assert ("order", w.g_market) in kinds and ("cancel", w.g_market + 9) in kinds
    assert ("order", 400) in kinds
    assert sum(k == "order" for k, _ in kinds) == 6


def test_a_log_cut_mid_line_replays_up_to_the_cut(tmp_path, traded):
    _, log_path = traded
    text = log_path.read_text()
    cut = tmp_path / "cut.jsonl"
    keep = text.split("\n")
    idx = next(i for i, line in enumerate(keep) if '"minute":400' in line)
    cut.write_text("\n".join(keep[:idx]) + "\n" + keep[idx][:25])  # killed mid-write
    r = replay(cut, until=20)
    assert r.minutes_done == 20 and len(r.students) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text.replace('"type":"join"', '"type":"join" oops', 1))
    with pytest.raises(LogError, match="line 2"):
        replay(bad)


def test_replay_refuses_a_log_whose_scenario_no_longer_matches(tmp_path, traded):
    _, log_path = traded
    recs = [json.loads(x) for x in log_path.read_text().splitlines()]
    recs[0]["parameters"]["days"] = 3
    p = tmp_path / "other.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    with pytest.raises(LogError, match="parameters"):
        replay(p)


# -- buying power, by hand ---------------------------------------------------------------------


def _check(cash_dollars, shares, marks, orders, lev=1.0, band=10.0, short=True):
    check_buying_power(int(cash_dollars * 100), shares, marks, orders, max_leverage=lev,
                       band_pct=band, short_selling=short, tickers=TICKERS)


def test_a_cash_account_buys_what_its_cash_pays_for():
    # $10,000 and no shares, no borrowing: 100 shares at $100.00 exactly, not 101
    _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 100, 10_000)])
    with pytest.raises(FloorError, match="qty: over your buying power"):
        _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 101, 10_000)])
    # a market order is counted at the last price + 10%: q * $110 <= $10,000, q <= 90
    _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 90, None)])
    with pytest.raises(FloorError, match="qty"):
        _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 91, None)])
    # open orders count: 60 bid already, 41 more is too many
    with pytest.raises(FloorError, match="qty"):
        _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 60, 10_000), (0, BUY, 41, 10_000)])


def test_margin_lets_a_student_borrow_and_short_up_to_max_leverage():
    # 2x: $10,000 of equity carries $20,000 of gross exposure, long or short
    _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 200, 10_000)], lev=2)
    _check(10_000, [0, 0], [10_000, 5_000], [(1, SELL, 400, 5_000)], lev=2)
    with pytest.raises(FloorError, match="qty"):
        _check(10_000, [0, 0], [10_000, 5_000], [(1, SELL, 401, 5_000)], lev=2)
    # a long and a short in two stocks add up: 100 x $100 + 200 x $50 = $20,000
    _check(10_000, [0, 0], [10_000, 5_000], [(0, BUY, 100, 10_000), (1, SELL, 200, 5_000)],
           lev=2)


def test_without_short_selling_a_student_sells_only_what_they_hold():
    _check(0, [50, 0], [10_000, 5_000], [(0, SELL, 30, 10_000), (0, SELL, 20, 10_000)],
           short=False)
    with pytest.raises(FloorError, match="may sell at most 20 more"):
        _check(0, [50, 0], [10_000, 5_000], [(0, SELL, 30, 10_000), (0, SELL, 21, 10_000)],
               short=False)


def test_selling_below_the_mark_costs_equity_but_selling_down_is_always_allowed():
    # all in: no cash, 100 shares marked $100. Selling them at a $90 limit gives up $1,000 of
    # equity but ends with no exposure: allowed; buying one more share is not
    _check(0, [100, 0], [10_000, 5_000], [(0, SELL, 100, 9_000)])
    with pytest.raises(FloorError, match="qty"):
        _check(0, [100, 0], [10_000, 5_000], [(0, BUY, 1, 10_000)])
    # past the limit (equity $900 carrying $10,000 at 2x): it may sell, at any price in the
    # band, but not add: a buy of one share raises what it needs
    _check(-9_100, [100, 0], [10_000, 5_000], [(0, SELL, 100, 9_000)], lev=2)
    _check(-9_100, [100, 0], [10_000, 5_000], [(0, SELL, 10, None)], lev=2)
    with pytest.raises(FloorError, match="qty"):
        _check(-9_100, [100, 0], [10_000, 5_000], [(0, BUY, 1, 10_000)], lev=2)
    # $500 and 100 shares at $100 (equity $10,500, a cash account): selling the 100 at $90 is
    # fine, but not with a bid for 100 more at $110 beside it: if only the bid fills the account
    # holds $20,000 of stock and paid $1,000 over the mark, R = $21,000 > $10,500
    _check(500, [100, 0], [10_000, 5_000], [(0, SELL, 100, 9_000)])
    with pytest.raises(FloorError, match="qty"):
        _check(500, [100, 0], [10_000, 5_000], [(0, SELL, 100, 9_000), (0, BUY, 100, 11_000)])


# -- an order's fields --------------------------------------------------------------------------


def _parse(body, last=(10_000, 5_000)):
    return parse_order(body, TICKERS, last, max_qty=1_000, band_pct=10.0)


def test_a_good_order_parses_into_cents():
    o = _parse({"ticker": "AAA", "side": "buy", "qty": 10, "type": "limit", "price": 101.37})
    assert (o.stock, o.side, o.kind, o.qty, o.price) == (0, BUY, "limit", 10, 10_137)
    o = _parse({"ticker": "BBB", "side": "sell", "qty": 1_000, "type": "market"})
    assert (o.stock, o.side, o.kind, o.qty, o.price) == (1, SELL, "market", 1_000, None)
    o = _parse({"ticker": "BBB", "side": "sell", "qty": 5, "type": "market", "price": None})
    assert o.price is None
    # the band's edges are in: 10% either side of $100.00
    assert _parse({"ticker": "AAA", "side": "buy", "qty": 1, "type": "limit",
                   "price": 90}).price == 9_000
    assert _parse({"ticker": "AAA", "side": "buy", "qty": 1, "type": "limit",
                   "price": 110.0}).price == 11_000


GOOD = {"ticker": "AAA", "side": "buy", "qty": 10, "type": "limit", "price": 100.0}


@pytest.mark.parametrize("change, field", [
    ({"ticker": "ZZZ"}, "ticker"), ({"ticker": "aaa"}, "ticker"), ({"ticker": 1}, "ticker"),
    ({"ticker": ["AAA"]}, "ticker"), ({"side": "hold"}, "side"), ({"side": 1}, "side"),
    ({"side": None}, "side"), ({"type": "stop"}, "type"), ({"type": ["limit"]}, "type"),
    ({"qty": 10.0}, "qty"), ({"qty": 10.5}, "qty"), ({"qty": "10"}, "qty"),
    ({"qty": True}, "qty"), ({"qty": 0}, "qty"), ({"qty": -5}, "qty"),
    ({"qty": 1_001}, "qty"), ({"qty": 10**40}, "qty"), ({"qty": None}, "qty"),
    ({"price": "100"}, "price"), ({"price": True}, "price"), ({"price": 100.001}, "price"),
    ({"price": 89.99}, "price"), ({"price": 110.01}, "price"), ({"price": 0}, "price"),
    ({"price": -100}, "price"), ({"price": float("nan")}, "price"),
    ({"price": float("inf")}, "price"), ({"price": 10**400}, "price"),
    ({"price": 1e300}, "price"), ({"price": None}, "price"), ({"price": [100]}, "price"),
    ({"extra": 1}, "extra"), ({"type": "market"}, "price"),
])
def test_every_bad_field_is_named(change, field):
    body = {**GOOD, **change}
    with pytest.raises(FloorError) as e:
        _parse(body)
    assert e.value.field == field and str(e.value).startswith(f"{field}: ")


@pytest.mark.parametrize("missing", ["ticker", "side", "qty", "type", "price"])
def test_a_missing_field_is_named(missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(FloorError, match=f"^{missing}: missing"):
        _parse(body)


@pytest.mark.parametrize("body", [[], "order", 3, None])
def test_a_body_that_is_not_an_object_is_refused(body):
    with pytest.raises(FloorError, match="^body: must be a JSON object"):
        _parse(body)


# -- settings ------------------------------------------------------------------------------------


def test_floor_settings_take_overrides_and_name_the_field_when_bad():
    f = floor_with(["floor.cash=50000", "floor.max_leverage=1", "floor.short_selling=false"])
    assert (f.cash, f.max_leverage, f.short_selling) == (50_000.0, 1.0, False)
    assert f.maintenance == Floor().maintenance
    for bad, where in [("floor.cash=-5", "floor.cash"), ("floor.max_leverage=20",
                                                          "floor.max_leverage"),
                       ("floor.speed=abc", "floor.speed"), ("floor.colour=1", "floor.colour"),
                       ("floor.max_order_qty=1.5", "floor.max_order_qty")]:
        with pytest.raises(ParamError, match=f"^{where}"):
            floor_with([bad])
    with pytest.raises(ParamError):
        floor_with(["cash=5"])
    assert floor_from_dict({"cash": 10.0, "shares": 5}) == Floor(cash=10.0, shares=5)
    with pytest.raises(ParamError, match="floor.bogus"):
        floor_from_dict({"bogus": 1})


def test_settings_that_do_not_fit_together_are_refused():
    sc = small_deepseek()
    with pytest.raises(ParamError, match="floor.maintenance"):
        check_floor(Floor(max_leverage=4.0, maintenance=0.25), sc)
    with pytest.raises(ParamError, match="floor.start_day"):
        check_floor(Floor(start_day=2), sc)
    check_floor(Floor(max_leverage=3.9, maintenance=0.25, start_day=1), sc)


def test_a_floor_starting_on_monday_trades_alone_through_friday():
    sc = small_deepseek()
    w = FloorWorld(sc, slow_floor("floor.start_day=1"), SEED)
    ref = Simulation(sc, SEED)
    for _ in range(MINUTES):
        ref.step()
    assert w.minutes_done == w.start_minute == MINUTES
    np.testing.assert_array_equal(w.bars[:MINUTES], ref.bars[:MINUTES])
