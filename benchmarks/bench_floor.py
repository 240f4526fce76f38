"""The trading floor under a class: latency of orders and page updates, and the simulated clock
against its set speed, printed as a table (nothing asserts on time).

    python benchmarks/bench_floor.py [--clients 30] [--speed 1] [--seconds 60]

Starts `selloff classroom deepseek` at full size (9,706 investors, 19 stocks) in its own
process, opening on Monday 27 January (floor.start_day=1), and measures, in the same run:

- a baseline: the clock at the set speed with no clients (only this script asking the
  instructor's status twice a second);
- then each class size of --clients: that many students (threads spread over --procs client
  processes, each with its own keep-alive connection, as a browser has) doing what a page and a
  student do: GET /api/market and GET /api/me once a second, and an order every --order-every
  seconds (on average; two in three limits within 0.2% of the last price, one in three at
  market, 10-100 shares of one of five stocks), cancelling its oldest when more than three
  rest.

Per phase: the simulated minutes the clock advanced against what its speed asks, the lag the
server reports (minutes behind its schedule: median and largest of twice-a-second samples), the
server process's CPU (user + system, /proc, as a share of one core) and the world's mean step
time; per request type, the count, median, 95th percentile and largest latency (ms, seen by the
clients: queueing on the shared cores included) and the errors. The client processes run on
the same two cores as the server: their CPU is printed too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE, ADMIN = "BENCH-CLASS", "BENCH-ADMIN-CODE"
TICKERS = ("NVDA", "AMD", "AVGO", "TSM", "MSFT")
_TICK = os.sysconf("SC_CLK_TCK")


class Conn:
    """One keep-alive connection; `call` returns (status, doc, seconds)."""

    def __init__(self, host, port, token=None):
        self.host, self.port, self.token = host, port, token
        self.c = http.client.HTTPConnection(host, port, timeout=30)

    def call(self, method, path, doc=None):
        body = None if doc is None else json.dumps(doc).encode()
        h = {}
        if body is not None:
            h["Content-Type"] = "application/json"
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        t = time.perf_counter()
        for attempt in (0, 1):
            try:
                self.c.request(method, path, body, h)
                r = self.c.getresponse()
                data = r.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.c.close()
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        dt = time.perf_counter() - t
        return r.status, json.loads(data) if data else None, dt


def _student(i, host, port, until, order_every, out):
    """One student's loop until `until` (time.time()); latencies into out[kind]."""
    rng = random.Random(i)
    c = Conn(host, port)
    st, doc, _ = c.call("POST", "/api/join", {"name": f"student{i:03d}", "code": CODE})
    c.token = doc["token"]
    lat = {k: [] for k in ("order", "market", "me", "cancel")}
    errs = {k: 0 for k in lat}
    next_order = time.time() + rng.uniform(0, order_every)
    market = None
    me = None
    while time.time() < until:
        t0 = time.time()
        st, market, dt = c.call("GET", "/api/market")
        lat["market"].append(dt)
        errs["market"] += st != 200
        st, me, dt = c.call("GET", "/api/me")
        lat["me"].append(dt)
        errs["me"] += st != 200
        if time.time() >= next_order and market["state"] == "running":
            next_order += rng.expovariate(1 / order_every)
            tk = rng.choice(TICKERS)
            last = market["tickers"][tk]["last"]
            side = rng.choice(("buy", "sell"))
            qty = rng.randint(10, 100)
            if side == "sell" and me["positions"][tk] < qty:
                side = "buy"
            body = {"ticker": tk, "side": side, "qty": qty, "type": "market"}
            if rng.random() < 2 / 3:
                off = rng.uniform(-0.002, 0.002)
                body.update(type="limit", price=round(last * (1 + off), 2))
            st, doc, dt = c.call("POST", "/api/orders", body)
            lat["order"].append(dt)
            errs["order"] += st not in (200, 400)  # a 400 is the floor saying no: an answer
            live = [o for o in me["orders"] if o["status"] in ("open", "queued")]
            if len(live) > 3:
                st, doc, dt = c.call("DELETE", f"/api/orders/{live[0]['id']}")
                lat["cancel"].append(dt)
                errs["cancel"] += st not in (200, 400)
        time.sleep(max(0.0, 1.0 - (time.time() - t0)))
    out.put((lat, errs, me["fills_total"] if me else 0,
             sum(1 for o in me["orders"] if o["filled"]) if me else 0))


def _client_proc(ids, host, port, until, order_every, q):
    import threading

    results = []
    lock = threading.Lock()

    class Sink:
        def put(self, x):
            with lock:
                results.append(x)

    ths = [threading.Thread(target=_student, args=(i, host, port, until, order_every, Sink()))
           for i in ids]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    ru = os.times()
    q.put((results, ru.user + ru.system))


def _cpu(pid):
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / _TICK


def _phase(name, n, admin, pid, seconds, host, port, procs, order_every):
    """Run one phase; return its row and the requests' results."""
    until = time.time() + seconds
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    workers = []
    if n:
        groups = [list(range(k, n, procs)) for k in range(procs)]
        base = _phase.offset
        _phase.offset += n
        for g in groups:
            if g:
                p = ctx.Process(target=_client_proc, args=([base + i for i in g], host, port,
                                                           until, order_every, q))
                p.start()
                workers.append(p)
    st0 = admin.call("GET", "/api/session")[1]
    cpu0, t0, m0 = _cpu(pid), time.time(), st0["minute"]
    steps0 = st0["step_s_mean"]
    lags = []
    while time.time() < until:
        st = admin.call("GET", "/api/session")[1]
        lags.append(st["lag_min"])
        time.sleep(0.5)
    st1 = admin.call("GET", "/api/session")[1]
    cpu1, t1, m1 = _cpu(pid), time.time(), st1["minute"]
    results, client_cpu = [], 0.0
    for _ in workers:
        r, c = q.get()
        results += r
        client_cpu += c
    for p in workers:
        p.join()
    row = {"phase": name, "clients": n, "seconds": t1 - t0, "minutes": m1 - m0,
           "sim_speed": (m1 - m0) / (t1 - t0), "lag_med": statistics.median(lags),
           "lag_max": max(lags), "cpu": (cpu1 - cpu0) / (t1 - t0) * 100,
           "client_cpu": client_cpu / (t1 - t0) * 100, "step_ms": st1["step_s_mean"] * 1e3,
           "step0_ms": steps0 * 1e3}
    return row, results


_phase.offset = 0


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="30", help="class sizes, comma separated (default 30)")
    ap.add_argument("--speed", type=float, default=1.0, help="simulated minutes per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="seconds per loaded phase")
    ap.add_argument("--baseline-seconds", type=float, default=30.0)
    ap.add_argument("--procs", type=int, default=3, help="client processes")
    ap.add_argument("--order-every", type=float, default=3.0,
                    help="mean seconds between one student's orders")
    a = ap.parse_args()
    sizes = [int(x) for x in a.clients.split(",")]
    load0 = Path("/proc/loadavg").read_text().split()[:3]
    out = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    cmd = [sys.executable, "-m", "scenarios.cli", "classroom", "deepseek", "--port", "0",
           "--code", CODE, "--admin-code", ADMIN, "--speed", str(a.speed), "--out",
           str(out / "session"), "--set", "floor.start_day=1", "--set",
           "floor.debrief_channels=false", "--set", f"floor.max_students={max(sizes) * 2 + 10}",
           "--set", "floor.max_actions_per_minute=1000"]
    t = time.perf_counter()
    srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           cwd=ROOT, start_new_session=True)
    try:
        url = None
        for line in srv.stdout:
            if "students:" in line:
                url = line.split()[1].rstrip("/")
                break
        if url is None:
            raise SystemExit("the server did not start")
        ready = time.perf_counter() - t
        host, port = url.removeprefix("http://").split(":")
        port = int(port)
        admin = Conn(host, port)
        admin.token = admin.call("POST", "/api/join", {"name": "bench", "code": ADMIN})[1][
            "token"]
        admin.call("POST", "/api/control", {"action": "start"})
        rows = []
        r, _ = _phase("baseline (no clients)", 0, admin, srv.pid, a.baseline_seconds, host,
                      port, a.procs, a.order_every)
        rows.append(r)
        reqs = {}
        for n in sizes:
            r, res = _phase(f"{n} clients", n, admin, srv.pid, a.seconds, host, port,
                            a.procs, a.order_every)
            rows.append(r)
            reqs[n] = res
        load1 = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        os.killpg(srv.pid, signal.SIGTERM)
        srv.wait(30)

    print(f"bench_floor: selloff classroom deepseek, full size, from Monday 27 January's open, "
          f"{a.speed:g} simulated min/s; {os.cpu_count()} cores; load average "
          f"{' '.join(load0)} at the start, {' '.join(load1)} at the end; server ready in "
          f"{ready:.1f} s (world built, Friday traded alone)")
    print()
    print(f"{'phase':<24}{'seconds':>8}{'sim min':>9}{'min/s':>7}{'vs set':>8}{'lag med':>9}"
          f"{'lag max':>9}{'server CPU':>12}{'clients CPU':>13}{'step ms':>9}")
    for r in rows:
        print(f"{r['phase']:<24}{r['seconds']:>8.1f}{r['minutes']:>9}{r['sim_speed']:>7.2f}"
              f"{r['sim_speed'] / a.speed:>8.3f}{r['lag_med']:>9.2f}{r['lag_max']:>9.2f}"
              f"{r['cpu']:>11.1f}%{r['client_cpu']:>12.1f}%{r['step_ms']:>9.1f}")
    print("  lag: minutes the clock is behind its schedule, sampled twice a second; CPU: share "
          "of one core; step ms: the world's mean minute so far")
    for n, res in reqs.items():
        print()
        print(f"{n} clients: latency seen by the clients, ms")
        print(f"{'request':<24}{'count':>8}{'per s':>8}{'median':>9}{'p95':>9}{'max':>9}"
              f"{'errors':>8}")
        for kind, label in (("order", "POST /api/orders"), ("cancel", "DELETE /api/orders/ID"),
                            ("market", "GET /api/market"), ("me", "GET /api/me")):
            xs = [x * 1e3 for lat, _e, _f, _o in res for x in lat[kind]]
            errs = sum(e[kind] for _l, e, _f, _o in res)
            if not xs:
                continue
            print(f"{label:<24}{len(xs):>8}{len(xs) / a.seconds:>8.1f}"
                  f"{statistics.median(xs):>9.1f}{_pct(xs, 95):>9.1f}{max(xs):>9.1f}"
                  f"{errs:>8}")
        fills = sum(f for _l, _e, f, _o in res)
        filled = sum(o for _l, _e, _f, o in res)
        print(f"students' fills: {fills} (in {filled} orders with a fill; "
              f"{sum(1 for _l, _e, f, _o in res if f)} of {n} students filled)")
    base = rows[0]
    for r in rows[1:]:
        per = (r["cpu"] - base["cpu"]) / r["clients"]
        print()
        print(f"{r['clients']} clients: the server's CPU rose {r['cpu'] - base['cpu']:.1f} points "
              f"over the baseline, {per:.2f} points of a core per student; at that rate a class "
              f"of 100 needs about {base['cpu'] + 100 * per:.0f}% of one core for the server "
              f"(the world's step at {a.speed:g} min/s included)")


if __name__ == "__main__":
    main()
