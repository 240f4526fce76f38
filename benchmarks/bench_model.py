"""Speed of the whole model (agents + exchange), printed as a table (nothing asserts on time).

    python benchmarks/bench_model.py [--quick] [--no-cold]

(a) ABIDES RMSC04 on equal work (`abides_rmsc04`: ABIDES's RMSC04 agent kinds and parameters on
    one stock, one day), timed after a warm-up that compiles or loads the kernels, beside
    ABIDES's own figures for the same day measured on a machine of this kind (ABIDES is not run
    here: scenarios/library/abides.py holds them); then the whole warm process
    `selloff run abides_rmsc04 --days 1` in a subprocess against ABIDES's whole process.
(b) The full world: the baseline scenario (19 stocks, default population of about 9,700
    investors), 5 days, in a fresh subprocess so that peak memory is the run's own; a short
    warm-up day on a small world precedes the timed run in the same process.
(c) Start-up: a fresh process running a 1-day baseline with an empty numba cache (everything
    compiles) and again with the cache filled by that run (cache load only).

--quick runs (b) for 1 day and skips (c); --no-cold skips (c) only. --baseline DIR runs (b)
also on another checkout of the project (e.g. `git worktree add /tmp/base <commit>`), in turn
with this one, --repeat times each, and prints both and the ratio of their ratios: the speed-up
measured in one run, on the same host at the same time.
"""

import argparse
import json
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

#: Run in a subprocess: optional warm-up on a small world, then the timed build and run.
WORLD = r"""
import json, resource, sys, time
t_start = time.perf_counter()
from numba.core import event

class CompileTimes(event.Listener):  # seconds spent compiling each kernel, callees excluded
    def __init__(self):
        self.stack, self.own = [], {}
    def on_start(self, ev):
        self.stack.append([ev.data["dispatcher"].py_func.__qualname__, time.perf_counter(), 0.0])
    def on_end(self, ev):
        name, t0, inner = self.stack.pop()
        dt = time.perf_counter() - t0
        if self.stack:
            self.stack[-1][2] += dt
        self.own[name] = self.own.get(name, 0.0) + dt - inner

compile_times = CompileTimes()
event.register("numba:compile", compile_times)
from market._cache import project_stamp
stamp0 = project_stamp()
try:
    from market.types import BAR
    from scenarios.engine.model import SelloffModel
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides
    TRADES, VOLUME = BAR.trades, BAR.volume
except ImportError:  # a --baseline checkout from before scenarios/ had sub-packages (682c6c7)
    from agents.params import apply_overrides
    from scenarios.catalog import get_scenario
    from scenarios.model import SelloffModel
    TRADES, VOLUME = 5, 4  # its bar columns: open, high, low, close, volume, trades
t_import = time.perf_counter() - t_start
days, warm = int(sys.argv[1]), sys.argv[2] == "1"
extra = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
if warm:  # load or compile every kernel on a small world; not timed
    small = apply_overrides(get_scenario("baseline"), [
        "days=1", 'tickers=["NVDA","MSFT"]', "population.noise.count=100",
        "population.fundamental.count=50", "population.momentum.count=20",
        "population.leveraged.count=2", "population.passive.count=1"])
    w = SelloffModel(small, seed=1).run()  # a whole day: the close's kernels too
    del w
sc = apply_overrides(get_scenario("baseline"), [f"days={days}", *extra])
t = time.perf_counter()
m = SelloffModel(sc, seed=0)
t_build = time.perf_counter() - t
t, c_run = time.perf_counter(), time.process_time()
m.run()
t_run = time.perf_counter() - t
cpu_run = time.process_time() - c_run
print(json.dumps({
    "investors": int(m.inv.kind.size), "stocks": len(m.tickers), "days": days,
    "decisions": int(m.counts[0]), "orders": int(m.exchange.pool.meta[1]),
    "trades": int(m.bars[..., TRADES].sum()), "shares": int(m.bars[..., VOLUME].sum()),
    "import_s": t_import, "build_s": t_build, "run_s": t_run, "cpu_run_s": cpu_run,
    "total_s": time.perf_counter() - t_start,
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    "stamp_start": stamp0, "stamp_end": project_stamp(),
    "compile_s": sorted(compile_times.own.items(), key=lambda kv: -kv[1]),
}))
"""


#: `selloff run baseline --days 1` as the command runs it, timed to the start of its first
#: simulated minute (the wall clock of the parent's spawn is argv[1])
FIRST_MINUTE = r"""
import sys, time
spawned = float(sys.argv[1])
import scenarios.engine.day as day
step = day.TradingDay.step
seen = []
def first(self):
    if not seen:
        seen.append(time.time() - spawned)
        seen.append(time.process_time())
    return step(self)
day.TradingDay.step = first
from scenarios.cli import main
sys.argv = ["selloff", "run", "baseline", "--days", "1", "--no-plot", "--out", sys.argv[2]]
try:
    main()
except SystemExit:
    pass
print(f"FIRST {seen[0]} {seen[1]}")
"""


def first_minute(cache_dir: str | None = None) -> dict:
    """Seconds from spawning `selloff run baseline --days 1` to its first simulated minute
    (wall, and the process's CPU), and the whole process's wall time."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out_dir = tempfile.mkdtemp(prefix="selloff-first-")
    try:
        t = time.time()
        out = subprocess.run([sys.executable, "-c", FIRST_MINUTE, repr(t), out_dir + "/run"],
                             env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.time() - t
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    line = [x for x in out.stdout.splitlines() if x.startswith("FIRST ")]
    if out.returncode != 0 or not line:
        sys.exit(f"bench_model: selloff run failed:\n{out.stderr[-2000:]}")
    _, first_s, first_cpu = line[-1].split()
    return {"first_s": float(first_s), "first_cpu_s": float(first_cpu), "process_s": wall}


def world_subprocess(days: int, warm: bool, cache_dir: str | None = None,
                     overrides: tuple[str, ...] = (), root: Path = ROOT) -> dict:
    """Part (b)'s world in a fresh process of the project at `root` (this checkout, or a
    baseline's)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WORLD, str(days), "1" if warm else "0",
                          json.dumps(list(overrides))],
                         env=env, capture_output=True, text=True, cwd=root)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"bench_model: subprocess failed:\n{out.stderr[-2000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["process_s"] = wall
    return res


def abides_day() -> dict:
    from market.types import BAR
    from scenarios.engine.model import SelloffModel
    from scenarios.library.catalog import get_scenario

    sc = get_scenario("abides_rmsc04")
    t = time.perf_counter()
    # warm-up: compile or load every kernel a day uses (the close's too); not timed
    SelloffModel(sc, seed=1).run()
    warm_s = time.perf_counter() - t
    t = time.perf_counter()
    m = SelloffModel(sc, seed=0)
    build = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    m.run()
    run, run_cpu = time.perf_counter() - t, time.process_time() - c
    return {"investors": int(m.inv.kind.size), "decisions": int(m.counts[0]),
            "orders": int(m.exchange.pool.meta[1]), "trades": int(m.bars[..., BAR.trades].sum()),
            "build_s": build, "run_s": run, "run_cpu_s": run_cpu, "warm_s": warm_s}


#: the whole warm process timed in (a), as a user types it (outputs to a temporary folder)
ABIDES_COMMAND = ("selloff", "run", "abides_rmsc04", "--days", "1")


def abides_process() -> dict:
    """Wall and CPU seconds of the whole `selloff run abides_rmsc04 --days 1` process (the
    numba cache warm: `abides_day` ran first), best of three."""
    exe = Path(sys.executable).with_name("selloff")
    best = None
    for _ in range(3):
        with tempfile.TemporaryDirectory(prefix="selloff-abides-") as out:
            r0 = os.times()
            t = time.perf_counter()
            p = subprocess.run([str(exe), *ABIDES_COMMAND[1:], "--out", out], cwd=ROOT,
                               capture_output=True, text=True)
            wall = time.perf_counter() - t
            r1 = os.times()
        if p.returncode != 0:
            sys.exit(f"bench_model: {' '.join(ABIDES_COMMAND)} failed:\n{p.stderr[-2000:]}")
        cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": wall, "cpu_s": cpu}
    return best


def match_stream_rate(n: int = 1_000_000) -> float:
    """Orders per second of `market.match_stream` on a random one-book stream (best of 3, warm):
    the engine's speed on this machine now, the yardstick of the world's speed."""
    from market import match_stream
    from market.streams import random_stream

    stream = random_stream(n, 1)
    match_stream(stream[:1000])  # compile or load from the cache
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        match_stream(stream)
        best = min(best, time.perf_counter() - t)
    return n / best


#: the scaling table's grid: investors (noise, value and trend followers scaled together; market
#: makers, leveraged and passive funds as in the baseline), stocks, days
SCALE_INVESTORS = (1_000, 10_000, 100_000)
SCALE_STOCKS = (1, 19)
SCALE_DAYS = (1, 5, 20)
#: the baseline's counts of the three kinds that scale
BASE_COUNTS = {"fundamental": 3000, "momentum": 1200, "noise": 5400}


def scale_overrides(investors: int, stocks: int) -> tuple[str, ...]:
    """`--set` overrides of the baseline for about `investors` investors on `stocks` stocks."""
    f = investors / 10_000
    sets = [f"population.{k}.count={max(1, round(c * f))}" for k, c in BASE_COUNTS.items()]
    if stocks == 1:
        sets.append('tickers=["NVDA"]')
    return tuple(sets)


def scaling() -> list[dict]:
    """One fresh process per cell of the grid (kernels warm); CPU seconds and peak memory."""
    rows = []
    for n in SCALE_INVESTORS:
        for s in SCALE_STOCKS:
            for d in SCALE_DAYS:
                r = world_subprocess(d, warm=True, overrides=scale_overrides(n, s))
                rows.append(r)
                print(f"    ... {r['investors']:,} investors, {r['stocks']} stocks, {d} days: "
                      f"{r['cpu_run_s']:.1f} s", file=sys.stderr)
    return rows


def print_scaling(rows: list[dict]) -> None:
    print("(d) scaling: baseline with the population scaled, fresh process per row, kernels "
          "warm; run CPU s (the process's own CPU time, robust to a busy host)")
    print(f"    {'investors':>10}{'stocks':>7}{'days':>5}{'decisions':>14}{'run CPU s':>10}"
          f"{'CPU s/day':>10}{'us/decision':>12}{'peak MB':>9}")
    for r in rows:
        print(f"    {r['investors']:>10,}{r['stocks']:>7}{r['days']:>5}{r['decisions']:>14,}"
              f"{r['cpu_run_s']:>10.2f}{r['cpu_run_s'] / r['days']:>10.2f}"
              f"{1e6 * r['cpu_run_s'] / max(1, r['decisions']):>12.3f}{r['maxrss_mb']:>9.0f}")
    print("    Linear in the work if us/decision stays flat down the table.")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1-day world, no cold start")
    ap.add_argument("--no-cold", action="store_true", help="skip the empty-cache start-up")
    ap.add_argument("--only", choices=("a", "b", "c", "d"), default=None,
                    help="run one part only")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another checkout of the project: (b) runs there too, in turn")
    ap.add_argument("--repeat", type=int, default=1, help="(b): runs of each tree (medians)")
    ap.add_argument("--scaling", action="store_true",
                    help="also (d), the scaling table: 18 runs up to 100,000 investors and 20 "
                         "days, about 10 minutes")
    a = ap.parse_args()
    world_days = 1 if a.quick else 5
    want = {a.only} if a.only else {"a", "b", "c"} | ({"d"} if a.scaling else set())
    if a.quick or a.no_cold:
        want.discard("c")

    ab = abides_day() if "a" in want else None
    if ab is not None:
        ab["process"] = abides_process()
    wd = base = None
    engine = None
    if "b" in want:
        runs, base_runs, engines = [], [], []
        for _ in range(max(1, a.repeat)):
            if a.baseline is not None:
                base_runs.append(world_subprocess(world_days, warm=True, root=a.baseline))
            runs.append(world_subprocess(world_days, warm=True))
            engines.append(match_stream_rate())
        wd, engine = _median_run(runs), float(np.median(engines))
        base = _median_run(base_runs) if base_runs else None
    scale = scaling() if "d" in want else None
    cold = warm = None
    if "c" in want:
        cache = tempfile.mkdtemp(prefix="selloff-numba-")
        try:
            cold = world_subprocess(1, warm=False, cache_dir=cache)
            warm = world_subprocess(1, warm=False, cache_dir=cache)
            cold_first = first_minute(tempfile.mkdtemp(dir=cache))
            warm_first = min((first_minute(cache) for _ in range(3)), key=lambda r: r["first_s"])
        finally:
            shutil.rmtree(cache, ignore_errors=True)

    if ab is not None:
        print_abides(ab)
    if wd is not None:
        print_world(wd, engine)
    if base is not None:
        print_baseline(wd, base, engine, a.baseline)
    if scale is not None:
        print_scaling(scale)
    if cold is None:
        print("(c) start-up: skipped (--quick, --no-cold or --only; it compiles everything in a "
              "fresh cache, about 20 s)")
        return
    print_startup(cold, warm, cold_first, warm_first)


def print_abides(ab: dict) -> None:
    from scenarios.library.abides import (
        ABIDES_FILLS,
        ABIDES_LOOP_S,
        ABIDES_ORDERS,
        ABIDES_PROCESS_S,
    )

    pr = ab["process"]
    print("(a) ABIDES RMSC04 on equal work: scenario abides_rmsc04, 1 stock, "
          f"{ab['investors']:,} agent rows, 1 day (390 minutes), kernels warm")
    print(f"    {'':<28}{'orders':>9}{'fills':>9}{'day s':>9}{'process s':>11}")
    print(f"    {'ABIDES RMSC04 (measured)':<28}{ABIDES_ORDERS:>9,}{ABIDES_FILLS:>9,}"
          f"{ABIDES_LOOP_S:>9.1f}{ABIDES_PROCESS_S:>11.1f}")
    print(f"    {'selloff abides_rmsc04':<28}{ab['orders']:>9,}{ab['trades']:>9,}"
          f"{ab['run_s']:>9.3f}{pr['wall_s']:>11.2f}")
    print(f"    {'work: selloff / ABIDES':<28}{ab['orders'] / ABIDES_ORDERS:>8.2f}x"
          f"{ab['trades'] / ABIDES_FILLS:>8.2f}x")
    print(f"    {'speed-up: ABIDES / selloff':<28}{'':>18}{ABIDES_LOOP_S / ab['run_s']:>8.0f}x"
          f"{ABIDES_PROCESS_S / pr['wall_s']:>10.0f}x")
    print(f"    targets: a simulated day >= 100x ABIDES's event loop, the whole warm process "
          f">= 40x ABIDES's whole process. CPU seconds: day {ab['run_cpu_s']:.3f} "
          f"({ABIDES_LOOP_S / ab['run_cpu_s']:.0f}x), process {pr['cpu_s']:.2f} "
          f"({ABIDES_PROCESS_S / pr['cpu_s']:.0f}x).")
    print("    ABIDES's figures: one RMSC04 day (09:30-16:00) measured on a 2-core machine of "
          "this kind when idle, not published (scenarios/library/abides.py); its day s is the "
          "kernel's "
          "event loop, process s the whole run. Orders: limit and market orders, not cancels; "
          f"fills: executions. process s: `{' '.join(ABIDES_COMMAND)}` (best of 3 wall); "
          f"{ab['decisions']:,} decisions (the noise agents' looks for their wake-up time "
          "included).")
    print()


def _median_run(runs: list[dict]) -> dict:
    """The run of median wall time (its own figures, not a mix), with every run's rates."""
    runs = sorted(runs, key=lambda r: r["run_s"])
    med = dict(runs[len(runs) // 2])
    med["all_rates"] = [r["decisions"] / r["run_s"] for r in runs]
    med["all_cpu_rates"] = [r["decisions"] / r["cpu_run_s"] for r in runs]
    return med


def print_baseline(wd: dict, base: dict, engine: float, root: Path) -> None:
    """This checkout's world against the baseline's, measured in turn in this run."""
    n = len(wd["all_rates"])
    print(f"(b') against the baseline at {root}: the same world, {n} run(s) of each, in turn; "
          "medians")
    print(f"    {'':<12}{'decisions':>12}{'run s':>8}{'CPU s':>8}{'decisions/s':>13}"
          f"{'per CPU s':>12}{'/ match_stream':>16}")
    for name, r in (("baseline", base), ("this", wd)):
        rate = float(np.median(r["all_rates"]))
        print(f"    {name:<12}{r['decisions']:>12,}{r['run_s']:>8.2f}{r['cpu_run_s']:>8.2f}"
              f"{rate:>13,.0f}{float(np.median(r['all_cpu_rates'])):>12,.0f}"
              f"{rate / engine:>16.3f}")
    up = float(np.median(wd["all_rates"])) / float(np.median(base["all_rates"]))
    up_cpu = float(np.median(wd["all_cpu_rates"])) / float(np.median(base["all_cpu_rates"]))
    print(f"    ratio of ratios (this / baseline): {up:.2f}x by wall time, {up_cpu:.2f}x by the "
          "runs' CPU time (robust to a busy host); match_stream is the same engine in both")
    print(f"    load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()


def print_world(wd: dict, engine: float) -> None:
    print(f"(b) full world: baseline, {wd['stocks']} stocks, {wd['investors']:,} investors, "
          f"{wd['days']} day{'s' if wd['days'] > 1 else ''}, fresh process, kernels warm")
    print(f"    {'decisions':>12}{'order ids':>12}{'trades':>11}{'build s':>9}{'run s':>9}"
          f"{'s/day':>8}{'decisions/s':>13}{'orders/s':>11}{'peak MB':>9}")
    print(f"    {wd['decisions']:>12,}{wd['orders']:>12,}{wd['trades']:>11,}{wd['build_s']:>9.2f}"
          f"{wd['run_s']:>9.1f}{wd['run_s'] / wd['days']:>8.1f}"
          f"{wd['decisions'] / wd['run_s']:>13,.0f}{wd['orders'] / wd['run_s']:>11,.0f}"
          f"{wd['maxrss_mb']:>9.0f}")
    rate = wd["decisions"] / wd["run_s"]
    print(f"    match_stream in this run: {engine:,.0f} orders/s; world decisions/s / match_stream "
          f"orders/s = {rate / engine:.2f} (was 0.11 on 2026-12-01; target >= 0.2)")
    print("    peak MB: maximum resident set of the process (warm-up world included, small).")
    print()


def print_startup(cold: dict, warm: dict, cold_first: dict, warm_first: dict) -> None:
    print("(c) start-up: fresh process, 1-day baseline (interpreter start included)")
    print(f"    {'numba cache':<22}{'process s':>10}{'imports s':>10}{'build s':>9}{'run s':>9}")
    for name, r in (("empty (compile)", cold), ("warm (load)", warm)):
        print(f"    {name:<22}{r['process_s']:>10.1f}{r['import_s']:>10.1f}{r['build_s']:>9.1f}"
              f"{r['run_s']:>9.1f}")
    compile_s = cold["process_s"] - warm["process_s"]
    share = compile_s / cold["process_s"]
    what = "compilation dominates" if share > 0.5 else "compilation does not dominate"
    print(f"    {what} a cold start: {compile_s:.0f} s of {cold['process_s']:.0f} s ({share:.0%}) "
          f"is compiling; with the cache warm a 1-day world takes {warm['process_s']:.0f} s in "
          "all.")
    own = cold["compile_s"]
    total = sum(s for _, s in own)
    top = ", ".join(f"{name} {s:.1f} s" for name, s in own[:4])
    print(f"    compiling, by kernel (own time, callees excluded): {top}; {len(own) - 4} more "
          f"share the other {total - sum(s for _, s in own[:4]):.1f} s")
    print("    `selloff run baseline --days 1 --no-plot`, from spawning the process to its first "
          "simulated minute (interpreter, imports, cache loads, world building):")
    for name, r in (("empty (compile)", cold_first), ("warm (load), best of 3", warm_first)):
        print(f"    {name:<24}{r['first_s']:>6.2f} s wall, {r['first_cpu_s']:>5.2f} s CPU; whole "
              f"process {r['process_s']:.2f} s")
    stamps = {cold["stamp_start"], cold["stamp_end"], warm["stamp_start"], warm["stamp_end"]}
    if len(stamps) > 1:
        print("    WARNING: kernel sources (market/, agents/) changed during these runs, so the "
              "warm run recompiled; rerun (c) on a quiet tree.")


if __name__ == "__main__":
    main()
