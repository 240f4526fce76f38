"""Speed of the exchange, printed as a table (not a test: nothing here asserts on time).

    python benchmarks/bench_engine.py [--orders 1000000] [--reference-orders 100000]

Measures, in one run on one stream (about 60% limits near a mid that wanders but is pulled back,
20% markets, 20% cancels of recent limits; the book stays bounded):
- `match_stream` (compilation excluded: a warm-up call first), best of 3;
- the pure-Python reference engine of the tests on the first `--reference-orders` rows, and the
  per-order ratio;
- the multi-stock `Exchange` (19 books, 1,000 accounts, settlement, full tape, drained every
  20,000 orders as the simulation does every step);
- the first call in a fresh process with an empty numba cache (compile), and with the cache warm
  (time to first result, interpreter start-up excluded).

LiquiBook's C++ engine, for scale, processes 2-4 million orders a second on this kind of machine
(its own benchmark, not run here).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from market import Exchange, MarketRules, match_stream  # noqa: E402
from market.streams import random_stream  # noqa: E402

FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
from market import ORDER_DTYPE, match_stream
o = np.zeros(3, ORDER_DTYPE)
o["id"] = [1, 2, 3]; o["side"] = [1, -1, 1]; o["price"] = [100, 100, 99]; o["qty"] = 10
match_stream(o)
print(time.perf_counter() - t0)
"""


def best_of(fn, k=3):
    out = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def first_call_seconds(cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--reference-orders", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    stream = random_stream(a.orders, a.seed)
    match_stream(stream[:1000])  # compile (or load from cache)
    t_match = best_of(lambda: match_stream(stream))
    fills = match_stream(stream).size

    rows = []
    rate = a.orders / t_match
    rows.append(("match_stream (numba, one book)", a.orders, t_match, rate))

    try:
        from reference import reference_match
    except ImportError:  # the tests' reference engine is not on the path
        reference_match = None
    if reference_match is not None:
        sub = stream[: a.reference_orders]
        t_ref = best_of(lambda: reference_match(sub), k=1)
        rows.append(("reference engine (pure Python)", sub.size, t_ref, sub.size / t_ref))

    multi = random_stream(a.orders, a.seed + 1, n_stocks=19, n_traders=1000)
    ex_fills = 0

    def run_exchange():
        nonlocal ex_fills
        ex = Exchange(np.full(19, 10_000), 1000,
                      MarketRules(auctions=False, luld=False, circuit_breaker=False))
        ex.start_day(0)
        ex_fills = 0
        for i in range(0, multi.size, 20_000):
            ex.submit(multi[i : i + 20_000])
            ex_fills += ex.drain().size

    run_exchange()
    t_ex = best_of(run_exchange)
    rows.append(("Exchange (19 books, accounts, tape)", a.orders, t_ex, a.orders / t_ex))

    cold_dir = tempfile.mkdtemp(prefix="selloff-numba-")
    try:
        t_cold = first_call_seconds(cold_dir)
        t_warm = min(first_call_seconds(cold_dir) for _ in range(3))
    finally:
        shutil.rmtree(cold_dir, ignore_errors=True)

    print(f"stream: {a.orders:,} orders, seed {a.seed}; match_stream fills {fills:,}, "
          f"Exchange fills {ex_fills:,}")
    print(f"{'engine':<40}{'orders':>11}{'seconds':>10}{'M orders/s':>12}")
    for name, n, t, r in rows:
        print(f"{name:<40}{n:>11,}{t:>10.3f}{r / 1e6:>12.2f}")
    if reference_match is not None:
        ratio = (a.orders / t_match) / (a.reference_orders / t_ref)
        print(f"{'ratio match_stream / reference':<40}{'':>11}{'':>10}{ratio:>11.0f}x")
    print(f"{'first call, empty numba cache':<40}{'':>11}{t_cold:>10.2f}  (compile)")
    print(f"{'first call, warm cache (new process)':<40}{'':>11}{t_warm:>10.2f}  "
          "(imports + cache load + run)")


if __name__ == "__main__":
    main()
