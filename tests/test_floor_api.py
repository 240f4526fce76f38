"""The trading floor's JSON API end to end: a real server on loopback (viz.floor) over a real
session (scenarios.floor), spoken to in raw HTTP.

One session runs through the module, in the order of the tests: students join before the
start, orders are refused before it, the instructor starts and pauses, the tests step the clock
minute by minute, students trade, the session ends and the debrief runs. Every bad request is
checked to answer its code with a message and to change nothing. The floor here is a cash
account (max_leverage 1, no short selling) with small limits, so those limits can be hit.
"""

import json
import re
import types

import numpy as np
import pytest
from floor_client import (
    ADMIN,
    CODE,
    SEED,
    Client,
    minute,
    slow_floor,
    small_deepseek,
    small_sets,
    step,
    wait_for,
)

from market.types import BAR
from scenarios.engine.simulation import MINUTES, Simulation
from scenarios.floor import replay
from scenarios.floor.session import FloorSession
from viz.floor import start


@pytest.fixture(scope="module")
def fl(tmp_path_factory):
    out = tmp_path_factory.mktemp("floor-api")
    floor = slow_floor("floor.short_selling=false", "floor.max_leverage=1",
                       "floor.max_open_orders=4", "floor.max_actions_per_minute=6",
                       "floor.max_students=6")
    s = FloorSession(small_deepseek(), floor, seed=SEED, sets=small_sets(), out=out)
    srv, _th = start(s, code=CODE, admin_code=ADMIN)
    host, port = srv.server_address[:2]
    anon = Client(host, port)
    ns = types.SimpleNamespace(session=s, server=srv, anon=anon, out=out, host=host)
    ns.ann = anon.join("Ann")
    ns.bob = anon.join("Bob")
    ns.admin = anon.join("teacher", ADMIN)
    yield ns
    srv.shutdown()
    srv.server_close()
    s.close()
    assert not s.threads_alive


def fingerprint(fl):
    """Everything a bad request must leave alone (once the world thread has opened every
    joined student's account)."""
    s = fl.session
    wait_for(lambda: len(s.snapshot.students) == len(s.names), what="the accounts to open")
    docs = [fl.ann.call("GET", "/api/me")[1], fl.bob.call("GET", "/api/me")[1]]
    st = fl.admin.call("GET", "/api/session")[1]
    return json.dumps([docs, st["queued"], st["students"], st["state"], st["minute"],
                       len(fl.server.tokens), fl.anon.call("GET", "/api/leaderboard")[1]],
                      sort_keys=True)


def refused(fl, status, fn, field=None):
    """fn() answers `status` with an error message (naming `field`) and changes nothing."""
    before = fingerprint(fl)
    got, doc, _ = fn()
    assert got == status, (got, doc)
    assert isinstance(doc, dict) and isinstance(doc["error"], str) and doc["error"], doc
    if field is not None:
        assert doc["field"] == field and doc["error"].startswith(f"{field}:"), doc
    assert fingerprint(fl) == before
    return doc


# -- joining ------------------------------------------------------------------------------------


def test_the_server_binds_loopback_by_default(fl):
    assert fl.host == "127.0.0.1"
    assert fl.server.server_address[0] == "127.0.0.1"


def test_join_gives_each_person_a_random_token_of_their_role(fl):
    toks = [fl.ann.token, fl.bob.token, fl.admin.token]
    assert len(set(toks)) == 3
    for t in toks:  # secrets.token_urlsafe(32): 256 random bits, nothing of the name in it
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", t)
        assert "Ann" not in t and "teacher" not in t
    st, doc, _ = fl.anon.call("POST", "/api/join", {"name": "Cy", "code": CODE}, token=None)
    assert st == 200 and doc["role"] == "student" and doc["name"] == "Cy" and doc["student"] == 2
    assert doc["token"] not in toks
    st, doc, _ = fl.anon.call("POST", "/api/join", {"name": "teacher", "code": ADMIN}, token=None)
    assert st == 200 and doc["role"] == "instructor" and doc["student"] is None


@pytest.mark.parametrize("body, status, field", [
    ({"name": "Eve", "code": "WRONG-CODE"}, 403, "code"),
    ({"name": "Eve", "code": CODE.lower()}, 403, "code"),
    ({"name": "Eve", "code": ""}, 403, "code"),
    ({"name": "Eve", "code": 1234}, 400, "code"),
    ({"name": "Eve"}, 400, "code"),
    ({"code": CODE}, 400, "name"),
    ({"name": "", "code": CODE}, 400, "name"),
    ({"name": "   ", "code": CODE}, 400, "name"),
    ({"name": "x" * 33, "code": CODE}, 400, "name"),
    ({"name": "ann", "code": CODE}, 400, "name"),  # taken, whatever the case
    ({"name": " Ann ", "code": CODE}, 400, "name"),
    ({"name": "bad\u0000name", "code": CODE}, 400, "name"),
    ({"name": "tab\tname", "code": CODE}, 400, "name"),
    ({"name": "zero\u200bwidth", "code": CODE}, 400, "name"),
    ({"name": 7, "code": CODE}, 400, "name"),
    ({"name": ["Eve"], "code": CODE}, 400, "name"),
    ({"name": "Eve", "code": CODE, "role": "instructor"}, 400, "role"),
])
def test_bad_joins_are_refused_by_field(fl, body, status, field):
    refused(fl, status, lambda: fl.anon.call("POST", "/api/join", body, token=None), field)


def test_the_floor_fills_up_at_max_students(fl):
    # Ann, Bob, Cy joined; three more fit (max_students 6), the seventh does not
    for name in ("Dee", "Eli", "Fay"):
        fl.anon.join(name)
    refused(fl, 400, lambda: fl.anon.call("POST", "/api/join", {"name": "Gus", "code": CODE},
                                          token=None), "name")


# -- requests the server refuses before they reach the floor --------------------------------------


BAD_BODIES = [
    (b"{not json", "application/json", 400),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "limit", "price": NaN}',
     "application/json", 400),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "limit", "price": Infinity}',
     "application/json", 400),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "limit", "price": -Infinity}',
     "application/json", 400),
    (b'{"ticker": "NVDA", "ticker": "AMD", "side": "buy", "qty": 1, "type": "market"}',
     "application/json", 400),
    (b"[" * 3000 + b"]" * 3000 + b" " * 10, "application/json", 413),
    (b"[" * 2000 + b"]" * 2000, "application/json", 400),
    (b"\xff\xfe{}", "application/json", 400),
    (b"", "application/json", 400),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}', "text/plain", 415),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}',
     "application/x-www-form-urlencoded", 415),
    (b'{"ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}', None, 415),
    (b'{"pad": "' + b"x" * 5000 + b'"}', "application/json", 413),
]


@pytest.mark.parametrize("body, ctype, status", BAD_BODIES)
def test_malformed_bodies_wrong_types_and_oversized_bodies_change_nothing(fl, body, ctype,
                                                                         status):
    h = {"Authorization": f"Bearer {fl.ann.token}"}
    if ctype:
        h["Content-Type"] = ctype

    def send():
        st, data, hd = fl.ann.raw("POST", "/api/orders", body, h)
        return st, json.loads(data), hd

    refused(fl, status, send)


def test_a_body_without_a_length_is_refused(fl):
    def send():
        st, data, hd = fl.ann.raw("POST", "/api/orders", None,
                                  {"Authorization": f"Bearer {fl.ann.token}",
                                   "Content-Type": "application/json"})
        return st, json.loads(data), hd

    refused(fl, 411, send)


@pytest.mark.parametrize("method, path, status", [
    ("PUT", "/api/orders", 405), ("PATCH", "/api/orders", 405), ("GET", "/api/join", 405),
    ("DELETE", "/api/market", 405), ("POST", "/api/me", 405), ("GET", "/api/control", 405),
    ("HEAD", "/api/market", 405), ("GET", "/api/orders/1", 405), ("OPTIONS", "/api/join", 405),
    ("GET", "/api/nothing", 404), ("GET", "/api", 404), ("POST", "/api/orders/1/x", 404),
    ("GET", "/static/../server.py", 404), ("GET", "/static/nope.js", 404),
    ("GET", "/api/book/ZZZZ", 404), ("GET", "/api/history/nvda", 404),
    ("GET", "/instructor/x", 404),
])
def test_wrong_methods_and_unknown_paths(fl, method, path, status):
    def send():
        st, data, hd = fl.ann.raw(method, path, None, {"Authorization": f"Bearer {fl.ann.token}"})
        if method == "HEAD":
            assert data == b""
            return st, {"error": "(no body for HEAD)"}, hd
        return st, json.loads(data), hd

    refused(fl, status, send)
    if status == 405:
        assert fl.ann.raw(method, path)[2].get("Allow")


@pytest.mark.parametrize("method, path, doc", [
    ("GET", "/api/me", None), ("GET", "/api/orders", None),
    ("POST", "/api/orders", {"ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}),
    ("DELETE", "/api/orders/1", None), ("POST", "/api/control", {"action": "start"}),
    ("GET", "/api/session", None), ("GET", "/api/debrief", None),
    ("GET", "/api/export/fills.csv", None),
])
@pytest.mark.parametrize("token", [None, "not-a-token", "Bearer", ""])
def test_without_a_valid_token_the_api_answers_401(fl, method, path, doc, token):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}" if token != "Bearer" else "Basic abc"
    refused(fl, 401, lambda: fl.anon.call(method, path, doc, token=None, headers=headers))


@pytest.mark.parametrize("who, method, path, doc", [
    ("ann", "POST", "/api/control", {"action": "start"}),
    ("ann", "GET", "/api/session", None), ("ann", "GET", "/api/debrief", None),
    ("ann", "GET", "/api/debrief/NVDA", None), ("ann", "GET", "/api/export/fills.csv", None),
    ("ann", "GET", "/api/export/leaderboard.csv", None),
    ("admin", "POST", "/api/orders", {"ticker": "NVDA", "side": "buy", "qty": 1,
                                      "type": "market"}),
    ("admin", "GET", "/api/me", None), ("admin", "DELETE", "/api/orders/1", None),
])
def test_each_role_is_refused_what_belongs_to_the_other(fl, who, method, path, doc):
    c = getattr(fl, who)
    refused(fl, 403, lambda: c.call(method, path, doc))


def test_orders_before_the_start_are_refused(fl):
    assert fl.anon.call("GET", "/api/market")[1]["state"] == "not_started"
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "buy", "qty": 10, "type": "market"}), "session")
    # a bad field is named even before the start
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "buy", "qty": -1, "type": "market"}), "qty")


@pytest.mark.parametrize("doc, field", [
    ({"action": "fly"}, "action"), ({"action": 1}, "action"), ({}, "action"),
    ({"action": "resume"}, "action"), ({"action": "pause"}, "action"),
    ({"action": "step"}, "action"), ({"action": "end"}, "action"),
    ({"action": "speed", "speed": 0}, "speed"), ({"action": "speed", "speed": 500}, "speed"),
    ({"action": "speed", "speed": True}, "speed"), ({"action": "speed", "speed": "2"}, "speed"),
    ({"action": "speed"}, "speed"), ({"action": "start", "speed": 2}, "speed"),
    ({"action": "reset", "seed": -1}, "seed"), ({"action": "reset", "seed": 1.5}, "seed"),
    ({"action": "reset", "seed": 2**64}, "seed"),
])
def test_bad_controls_are_refused_by_field(fl, doc, field):
    refused(fl, 400, lambda: fl.admin.call("POST", "/api/control", doc), field)


# -- trading ------------------------------------------------------------------------------------


def test_the_instructor_starts_and_pauses_and_steps_the_clock(fl):
    st, doc, _ = fl.admin.call("POST", "/api/control", {"action": "start"})
    assert st == 200 and doc["state"] == "running"
    st, doc, _ = fl.admin.call("POST", "/api/control", {"action": "pause"})
    assert st == 200 and doc["state"] == "paused"
    refused(fl, 400, lambda: fl.admin.call("POST", "/api/control", {"action": "start"}),
            "action")
    m = step(fl.admin, 3)
    assert m == 3
    mk = fl.anon.call("GET", "/api/market")[1]
    assert mk["minute"] == 3 and mk["time"] == "09:33" and mk["state"] == "paused"
    nv = mk["tickers"]["NVDA"]
    assert set(nv) >= {"bid", "ask", "last"} and 0 < nv["bid"] < nv["ask"]


def test_an_order_is_queued_then_filled_at_the_next_minute_like_the_tape_says(fl):
    # the small world's book is thin after the open: wait for 100 shares offered
    for _ in range(30):
        if sum(q for _p, q in fl.anon.call("GET", "/api/book/NVDA")[1]["asks"]) >= 100:
            break
        step(fl.admin)
    m = minute(fl.anon)
    st, doc, _ = fl.ann.call("POST", "/api/orders", {"ticker": "NVDA", "side": "buy", "qty": 40,
                                                     "type": "market"})
    assert st == 200 and doc["status"] == "queued" and isinstance(doc["id"], int)
    oid = doc["id"]
    me = fl.ann.call("GET", "/api/me")[1]
    assert [o["status"] for o in me["orders"] if o["id"] == oid] == ["queued"]
    step(fl.admin)
    me = fl.ann.call("GET", "/api/me")[1]
    (o,) = [o for o in me["orders"] if o["id"] == oid]
    assert o["status"] == "filled" and o["filled"] == 40 and o["minute"] == m
    assert me["positions"]["NVDA"] == 40
    fills = [f for f in me["fills"] if f["order"] == oid]
    assert sum(f["qty"] for f in fills) == 40
    assert me["cash"] == pytest.approx(100_000 - sum(f["qty"] * f["price"] for f in fills),
                                       abs=1e-6)
    w = fl.session.world
    acct = w.students[0].account
    tape = w.student_tape()
    rows = tape[(tape["buyer"] == acct) | (tape["seller"] == acct)]
    assert [(f["qty"], round(f["price"] * 100), f["time"]) for f in fills] == [
        (int(r["qty"]), int(r["price"]), int(r["time"])) for r in rows]


GOOD = {"ticker": "NVDA", "side": "buy", "qty": 5, "type": "limit"}


def _limit(fl, **change):
    last = fl.anon.call("GET", "/api/market")[1]["tickers"]["NVDA"]["last"]
    return {**GOOD, "price": round(last - 1, 2), **change}


@pytest.mark.parametrize("change, field", [
    ({"ticker": "ZZZZ"}, "ticker"), ({"ticker": None}, "ticker"), ({"side": "long"}, "side"),
    ({"type": "stop"}, "type"), ({"qty": 0}, "qty"), ({"qty": -3}, "qty"),
    ({"qty": 2.0}, "qty"), ({"qty": 2.5}, "qty"), ({"qty": "5"}, "qty"), ({"qty": True}, "qty"),
    ({"qty": False}, "qty"), ({"qty": 10_001}, "qty"), ({"qty": 10**30}, "qty"),
    ({"qty": 2**63}, "qty"), ({"price": "100"}, "price"), ({"price": True}, "price"),
    ({"price": 0.001}, "price"), ({"price": 1e308}, "price"), ({"price": -1}, "price"),
    ({"price": 0}, "price"), ({"price": 10**30}, "price"), ({"price": None}, "price"),
    ({"price": {"usd": 1}}, "price"), ({"foo": "bar"}, "foo"), ({"Price": 1}, "Price"),
])
def test_every_bad_value_answers_400_naming_the_field_and_changes_nothing(fl, change, field):
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", _limit(fl, **change)), field)


def test_prices_off_the_tick_grid_or_outside_the_band_and_misplaced_prices(fl):
    body = _limit(fl)
    p = body["price"]
    for bad in (p + 0.001, p + 0.005, round(p * 1.2, 2), round(p * 0.8, 2)):
        refused(fl, 400, lambda bad=bad: fl.ann.call("POST", "/api/orders",
                                                      {**body, "price": bad}), "price")
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders",
                                         {**body, "type": "market"}), "price")
    no_price = {k: v for k, v in body.items() if k != "price"}
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", no_price), "price")
    for key in ("ticker", "side", "qty", "type"):
        missing = {k: v for k, v in body.items() if k != key}
        refused(fl, 400, lambda m=missing: fl.ann.call("POST", "/api/orders", m), key)
    for doc in ([body], "order", 5):
        refused(fl, 400, lambda d=doc: fl.ann.call("POST", "/api/orders", d), "body")
    refused(fl, 400, lambda: _as_json(fl.ann.raw("POST", "/api/orders", b"null", {
        "Authorization": f"Bearer {fl.ann.token}", "Content-Type": "application/json"})),
        "body")


def _as_json(resp):
    st, data, hd = resp
    return st, json.loads(data), hd


def test_buying_power_and_holdings_limit_orders(fl):
    me = fl.ann.call("GET", "/api/me")[1]
    last = fl.anon.call("GET", "/api/market")[1]["tickers"]["NVDA"]["last"]
    # a cash account: at most what its cash pays for at the limit
    too_many = int(me["cash"] / last) + 1
    doc = refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "buy", "qty": too_many, "type": "limit", "price": last}), "qty")
    assert "buying power" in doc["error"]
    # no short selling here: Ann holds 40 NVDA and may sell those, not 41
    doc = refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "sell", "qty": 41, "type": "market"}), "qty")
    assert "at most 40" in doc["error"]
    refused(fl, 400, lambda: fl.bob.call("POST", "/api/orders", {
        "ticker": "AMD", "side": "sell", "qty": 1, "type": "market"}), "qty")


def _bid(fl, frac=0.95):
    """5 NVDA at `frac` of the last price (under the market: it rests)."""
    last = fl.anon.call("GET", "/api/market")[1]["tickers"]["NVDA"]["last"]
    return {**GOOD, "price": round(last * frac, 2)}


def test_open_order_and_per_minute_limits(fl):
    ids = []
    for _ in range(4):  # max_open_orders 4
        st, doc, _ = fl.bob.call("POST", "/api/orders", _bid(fl))
        assert st == 200, doc
        ids.append(doc["id"])
    refused(fl, 400, lambda: fl.bob.call("POST", "/api/orders", _bid(fl)), "orders")
    # cancelling a queued order frees its place at once
    st, doc, _ = fl.bob.call("DELETE", f"/api/orders/{ids[0]}")
    assert st == 200 and doc["status"] == "cancelled"
    st, doc, _ = fl.bob.call("POST", "/api/orders", _bid(fl))
    assert st == 200
    ids[0] = doc["id"]
    fl.bob_orders = ids
    # six actions a minute (max_actions_per_minute): Bob has sent 4 orders, a cancel, an order
    refused(fl, 400, lambda: fl.bob.call("DELETE", f"/api/orders/{ids[1]}"), "orders")
    refused(fl, 400, lambda: fl.bob.call("POST", "/api/orders", _bid(fl)), "orders")


def test_a_student_can_neither_see_nor_cancel_anothers_orders(fl):
    theirs = fl.bob_orders[2]
    ann_sees = {o["id"] for o in fl.ann.call("GET", "/api/me")[1]["orders"]}
    ann_list = {o["id"] for o in fl.ann.call("GET", "/api/orders")[1]}
    assert theirs not in ann_sees | ann_list
    assert not set(fl.bob_orders) & (ann_sees | ann_list)
    refused(fl, 403, lambda: fl.ann.call("DELETE", f"/api/orders/{theirs}"), "id")
    assert theirs in {o["id"] for o in fl.bob.call("GET", "/api/orders")[1]}
    for bad, status in (("999999", 404), ("0", 400), ("-1", 400), ("abc", 400), ("1.5", 400),
                        ("9" * 30, 400), ("%31", 400)):
        refused(fl, status, lambda b=bad: fl.ann.call("DELETE", f"/api/orders/{b}"), "id")


def test_open_orders_rest_and_a_cancel_enters_at_the_next_minute(fl):
    step(fl.admin)  # Bob's bids go into the book
    orders = {o["id"]: o for o in fl.bob.call("GET", "/api/orders")[1]}
    live = [i for i in fl.bob_orders if orders[i]["status"] == "open"]
    assert live == fl.bob_orders
    m = minute(fl.anon) - 1
    assert all(orders[i]["resting"] == 5 and orders[i]["minute"] == m for i in live)
    st, doc, _ = fl.bob.call("DELETE", f"/api/orders/{live[0]}")
    assert st == 200 and doc["status"] == "cancelling"
    refused(fl, 400, lambda: fl.bob.call("DELETE", f"/api/orders/{live[0]}"), "id")
    step(fl.admin)
    orders = {o["id"]: o for o in fl.bob.call("GET", "/api/orders")[1]}
    assert orders[live[0]]["status"] == "cancelled" and orders[live[0]]["resting"] == 0
    refused(fl, 400, lambda: fl.bob.call("DELETE", f"/api/orders/{live[0]}"), "id")
    # the books hold Bob's other bids: his resting shares at their prices
    book = fl.anon.call("GET", "/api/book/NVDA")[1]
    assert book["ticker"] == "NVDA" and book["bids"] and book["asks"]


def test_next_shock_jumps_to_the_news(fl):
    now = minute(fl.anon)
    sc = small_deepseek()
    when = {s.name: s.day * MINUTES + max(s.minute, 0) for s in sc.shocks if s.enabled}
    nxt = min(g for g in when.values() if g >= now)  # from the scenario's own timetable
    st, doc, _ = fl.admin.call("POST", "/api/control", {"action": "next_shock"})
    assert st == 200
    wait_for(lambda: minute(fl.anon) >= nxt + 1, what="the jump")
    mk = fl.anon.call("GET", "/api/market")[1]
    assert mk["minute"] == nxt + 1 and mk["state"] == "paused"  # just past it, still paused
    assert [n["name"] for n in mk["news"]] == sorted((k for k, g in when.items() if g <= nxt),
                                                     key=when.get)
    assert mk["news"][-1]["minute"] == nxt % MINUTES


def test_the_leaderboard_and_the_class(fl):
    board = fl.anon.call("GET", "/api/leaderboard")[1]
    assert [r["rank"] for r in board] == list(range(1, 7))
    assert {r["name"] for r in board} == {"Ann", "Bob", "Cy", "Dee", "Eli", "Fay"}
    assert [r["pnl"] for r in board] == sorted((r["pnl"] for r in board), reverse=True)
    ann = fl.ann.call("GET", "/api/me")[1]
    assert next(r for r in board if r["name"] == "Ann")["pnl"] == ann["pnl"]
    assert ann["pnl"] == pytest.approx(ann["equity"] - 100_000, abs=0.01)
    klass = fl.admin.call("GET", "/api/session")[1]["class"]
    assert next(c for c in klass if c["name"] == "Ann")["positions"] == {"NVDA": 40}


def test_cash_and_shares_are_conserved_and_every_fill_is_on_the_tape(fl):
    w = fl.session.world
    assert w.conserved()
    agents0 = Simulation(small_deepseek(), SEED).exchange
    assert int(w.exchange.cash.sum()) == int(agents0.cash.sum()) + 6 * 100_000 * 100
    assert (w.exchange.shares.sum(axis=0) == agents0.shares.sum(axis=0)).all()
    tape = w.student_tape()
    for c, k in ((fl.ann, 0), (fl.bob, 1)):
        fills = c.call("GET", "/api/me?fills=all")[1]["fills"]
        acct = w.students[k].account
        rows = tape[(tape["buyer"] == acct) | (tape["seller"] == acct)]
        assert [(f["qty"], round(f["price"] * 100), f["time"]) for f in fills] == [
            (int(r["qty"]), int(r["price"]), int(r["time"])) for r in rows]


def test_a_big_buyer_moves_the_price_and_the_debrief_shows_it_against_the_same_seed(fl):
    fl.admin.call("POST", "/api/control", {"action": "resume"})
    fl.admin.call("POST", "/api/control", {"action": "speed", "speed": 120})
    cash = fl.ann.call("GET", "/api/me")[1]["cash"]
    last = fl.anon.call("GET", "/api/market")[1]["tickers"]["NVDA"]["last"]
    price = round(last * 1.05, 2)  # a marketable limit: it takes what is offered up to it
    st, doc, _ = fl.ann.call("POST", "/api/orders", {"ticker": "NVDA", "side": "buy",
                                                     "qty": int(cash / price / 1.001),
                                                     "type": "limit", "price": price})
    assert st == 200, doc
    wait_for(lambda: fl.anon.call("GET", "/api/market")[1]["state"] == "ended", 120,
             "the scenario's end")
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}), "session")
    d = wait_for(lambda: (lambda x: x if x["done"] else None)(
        fl.admin.call("GET", "/api/debrief")[1]), 120, "the debrief")
    w = fl.session.world
    assert d["end_minute"] == w.minutes_done == 2 * MINUTES
    # the counterfactual is the plain scenario with the same seed, run here independently
    ref = Simulation(small_deepseek(), SEED).run()
    prev = ref.prev_close0.astype(float)
    for j, t in enumerate(w.tickers):
        row = d["prices"][t]
        assert row["move_without"] == pytest.approx(
            (ref.bars[-1, j, BAR.close] / prev[j] - 1) * 100, abs=1e-3)
        assert row["move_with"] == pytest.approx((w.bars[-1, j, BAR.close] / prev[j] - 1) * 100,
                                                 abs=1e-3)
    nv = d["prices"]["NVDA"]
    assert nv["largest_gap"] != 0.0 and nv["student_bought"] > 0
    paths = fl.admin.call("GET", "/api/debrief/NVDA")[1]
    assert paths["without"] == (ref.bars[:, 0, BAR.close] / 100).tolist()
    assert paths["with"] == (w.bars[:, 0, BAR.close] / 100).tolist()
    assert paths["with"] != paths["without"]
    assert d["margin_calls"] == []  # a cash account is never called
    assert "channels" not in d or d["channels"] == {}  # debrief_channels off here


def test_exports_and_the_session_folder(fl):
    st, text, hd = fl.admin.call("GET", "/api/export/fills.csv")
    assert st == 200 and hd["Content-Type"].startswith("text/csv")
    lines = text.splitlines()
    assert lines[0] == "name,order,ticker,side,qty,price,date,time,minute,forced"
    n_fills = sum(len(s.fills) for s in fl.session.world.students)
    assert len(lines) == 1 + n_fills
    st, text, _ = fl.admin.call("GET", "/api/export/leaderboard.csv")
    assert st == 200 and text.splitlines()[0].startswith("rank,name,pnl")
    assert len(text.splitlines()) == 7
    wait_for(lambda: (fl.out / "debrief.json").exists(), 30, "debrief.json")
    assert json.loads((fl.out / "debrief.json").read_text())["end_minute"] == 2 * MINUTES


def test_the_session_replays_from_its_log(fl):
    w = fl.session.world
    r = replay(fl.out / "session.jsonl")
    assert r.minutes_done == w.minutes_done
    np.testing.assert_array_equal(r.bars, w.bars)
    np.testing.assert_array_equal(r.student_tape(), w.student_tape())
    np.testing.assert_array_equal(r.exchange.cash, w.exchange.cash)
    np.testing.assert_array_equal(r.exchange.shares, w.exchange.shares)
    assert [s.name for s in r.students] == ["Ann", "Bob", "Cy", "Dee", "Eli", "Fay"]


def test_reset_reopens_every_account_on_a_new_world_and_a_new_log_segment(fl):
    old = fl.session.world
    st, doc, _ = fl.admin.call("POST", "/api/control", {"action": "reset", "seed": SEED + 1})
    assert st == 200
    wait_for(lambda: fl.session.world is not old and fl.session.snapshot.minute == 0
             and fl.anon.call("GET", "/api/market")[1]["state"] == "not_started", 60, "reset")
    me = fl.ann.call("GET", "/api/me")[1]  # the same token still works
    assert me["cash"] == 100_000 and set(me["positions"].values()) == {0}
    assert me["orders"] == [] and me["fills"] == [] and me["pnl"] == 0
    assert fl.admin.call("GET", "/api/session")[1]["seed"] == SEED + 1
    refused(fl, 400, lambda: fl.ann.call("POST", "/api/orders", {
        "ticker": "NVDA", "side": "buy", "qty": 1, "type": "market"}), "session")
    from scenarios.floor.log import read_segments

    segs = read_segments(fl.out / "session.jsonl")
    assert len(segs) == 2 and segs[1][0]["seed"] == SEED + 1
    assert [r["name"] for r in segs[1] if r["type"] == "join"] == [
        "Ann", "Bob", "Cy", "Dee", "Eli", "Fay"]
    # the first segment still replays the session that ran
    r = replay(fl.out / "session.jsonl", segment=0)
    np.testing.assert_array_equal(r.bars, old.bars)
