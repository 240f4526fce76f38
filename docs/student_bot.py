"""An example trading bot for the selloff trading floor: a student's own script, trading through
the same JSON API as the page (docs/classroom_floor.md). Standard library only.

What it does, once a second: reads the market and its own account, and keeps one bid a little
under the last price and, while it holds shares, one offer a little over it (a tiny market
maker); it cancels a quote the market has walked away from, and prints every new fill. It stops
after --minutes simulated minutes, when the session ends, or on Ctrl-C, cancelling its orders.

    python docs/student_bot.py --url http://127.0.0.1:8766 --code CLASSCODE --name mybot \\
        --ticker NVDA --qty 20 --edge 0.2

A student changes `decide` (and only it) to try an idea of their own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request


class Floor:
    """The API: every method returns the decoded JSON, or raises ApiError with the server's
    message (`status`, `field`)."""

    def __init__(self, url: str, token: str | None = None):
        self.url = url.rstrip("/")
        self.token = token

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            doc = json.loads(e.read() or b"{}")
            raise ApiError(e.code, doc.get("error", str(e)), doc.get("field")) from None

    def join(self, name: str, code: str) -> dict:
        """POST /api/join: keeps the token for the calls that follow."""
        doc = self._call("POST", "/api/join", {"name": name, "code": code})
        self.token = doc["token"]
        return doc

    def market(self) -> dict:
        """GET /api/market: minute, state, every ticker's bid/ask/last, the news."""
        return self._call("GET", "/api/market")

    def me(self) -> dict:
        """GET /api/me: cash, positions, pnl, fills, orders."""
        return self._call("GET", "/api/me")

    def order(self, ticker: str, side: str, qty: int, price: float | None = None) -> int:
        """POST /api/orders: a limit order at `price` (dollars), or a market order; its id."""
        body = {"ticker": ticker, "side": side, "qty": qty,
                "type": "market" if price is None else "limit"}
        if price is not None:
            body["price"] = round(price, 2)
        return self._call("POST", "/api/orders", body)["id"]

    def cancel(self, order_id: int) -> dict:
        """DELETE /api/orders/ID."""
        return self._call("DELETE", f"/api/orders/{order_id}")


class ApiError(Exception):
    """An answer of 400 and up: the server's message and the field it names."""

    def __init__(self, status: int, message: str, field: str | None):
        super().__init__(f"{status}: {message}")
        self.status, self.message, self.field = status, message, field


def decide(quote: dict, held: int, open_orders: list, args) -> list[tuple]:
    """What to do now: a list of ("buy" | "sell", qty, price) to send and ("cancel", id) to
    cancel. `quote` is {"bid", "ask", "last"} in dollars; `held` the shares you hold;
    `open_orders` your resting or queued orders in this stock."""
    last = quote["last"]
    edge = args.edge / 100
    want = {"buy": round(last * (1 - edge), 2)}
    if held > 0:
        want["sell"] = round(last * (1 + edge), 2)
    todo = []
    have = {}
    for o in open_orders:
        target = want.get(o["side"])
        if target is None or abs(o["price"] - target) > 3 * edge * last or o["side"] in have:
            todo.append(("cancel", o["id"]))  # stale: the price moved away from it
        else:
            have[o["side"]] = o
    for side, price in want.items():
        if side not in have:
            qty = args.qty if side == "buy" else min(args.qty, held)
            todo.append((side, qty, price))
    return todo


def main(argv=None) -> int:
    """Join, trade until --minutes have passed or the session ends, cancel, report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8766")
    ap.add_argument("--code", required=True, help="the class code")
    ap.add_argument("--name", default="bot")
    ap.add_argument("--ticker", default="NVDA")
    ap.add_argument("--qty", type=int, default=20, help="shares per quote")
    ap.add_argument("--edge", type=float, default=0.2, help="percent from the last price")
    ap.add_argument("--minutes", type=int, default=60, help="simulated minutes to trade")
    ap.add_argument("--poll", type=float, default=1.0, help="seconds between looks")
    args = ap.parse_args(argv)

    fl = Floor(args.url)
    me = fl.join(args.name, args.code)
    print(f"joined as {me['name']}", flush=True)
    start = None
    seen = 0
    try:
        while True:
            m = fl.market()
            if m["state"] == "ended":
                print("the session has ended", flush=True)
                break
            if m["state"] != "running":
                time.sleep(args.poll)
                continue
            start = m["minute"] if start is None else start
            if m["minute"] - start >= args.minutes:
                break
            acct = fl.me()
            n_new = min(acct["fills_total"] - seen, len(acct["fills"]))
            for f in acct["fills"][len(acct["fills"]) - n_new:]:  # the last 200 come back
                print(f"fill: {f['side']} {f['qty']} {f['ticker']} at {f['price']:.2f} "
                      f"({f['date']} {f['clock']})", flush=True)
            seen = acct["fills_total"]
            mine = [o for o in acct["orders"] if o["ticker"] == args.ticker
                    and o["status"] in ("open", "queued")]
            for action in decide(m["tickers"][args.ticker], acct["positions"][args.ticker],
                                 mine, args):
                try:
                    if action[0] == "cancel":
                        fl.cancel(action[1])
                    else:
                        side, qty, price = action
                        oid = fl.order(args.ticker, side, qty, price)
                        print(f"order {oid}: {side} {qty} {args.ticker} at {price:.2f}",
                              flush=True)
                except ApiError as e:  # the server says why: print it and carry on
                    print(f"refused: {e.message}", flush=True)
            time.sleep(args.poll)
    except KeyboardInterrupt:
        pass
    for o in fl.me()["orders"]:
        if o["status"] in ("open", "queued"):
            try:
                fl.cancel(o["id"])
            except ApiError:
                pass
    acct = fl.me()
    print(f"done: cash {acct['cash']:.2f}, {args.ticker} {acct['positions'][args.ticker]}, "
          f"P&L {acct['pnl']:+.2f}, {acct['fills_total']} fills", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
