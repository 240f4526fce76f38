"""How fast batches run: one-day 10,000-investor baseline runs, in-process, a local pool, Dask.

    .venv/bin/python benchmarks/bench_batch.py [--runs 48] [--workers 2]

First, where one run's CPU time goes inside a worker (CPU time, not wall: the host is shared):
building the world (``SelloffModel(...)``), stepping it (``model.run()``, the model's own time),
and recording the daily rows, with Python's defaults and with the worker settings of
``scenarios.studies.ensemble._init_worker`` (allocator keeps freed pages, ``gc.freeze``).

Then a table: wall time, the runs' own time (the sum of ``wall_s``, measured inside the
workers) and CPU time (``cpu_s``), runs per second, parallel efficiency (sum of the runs' own
times / workers / wall), the CPU share each run got while it ran (cpu_s / wall_s: 1.0 = a whole
core; lower = the host's other work took it), the pool's overhead (workers x wall beyond the
runs' own times, as a share of them: pool start, worker warm-up, idle, transfers), and the
projected wall time of 1,000 runs. The baseline is the same runs one after another in this
process (``workers=1``), measured in the same invocation. Times include starting the pool or
cluster and warming its workers, as a user would wait for them.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenarios.studies.batch import run_batch, warm

#: 3,000 value + 750 theme + 1,200 momentum + 4,944 noise + 4 x 19 makers + 20 + 10 funds =
#: 10,000 investors
SETS = ["population.noise.count=4944"]


def _one(label, out, runs, **kw):
    t = time.perf_counter()
    res = run_batch("baseline", None, runs, out, days=1, sets=SETS, **kw)
    wall = time.perf_counter() - t
    own = float(res.runs["wall_s"].sum())
    cpu = float(res.runs["cpu_s"].sum())
    assert (res.runs["status"] == "ok").all(), res.runs["error"].iloc[0]
    return {"label": label, "wall": wall, "own": own, "cpu": cpu, "n": len(res.runs),
            "workers": kw.get("workers") or 1, "daily": res.daily}


def breakdown(n: int = 6) -> None:
    """Print one run's CPU time by phase, in a fresh process per setting (this script, --phases)."""
    for mode in ("defaults", "worker"):
        out = subprocess.run([sys.executable, __file__, "--phases", mode, "--runs", str(n)],
                             capture_output=True, text=True, check=True)
        print(out.stdout.strip())


def _phases(mode: str, n: int) -> None:
    import functools

    from scenarios.engine.model import SelloffModel
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides
    from scenarios.studies.batch import _frames
    from scenarios.studies.ensemble import Job, _init_worker, _run_one

    if mode == "worker":
        _init_worker()
    else:
        warm()
    sc = apply_overrides(get_scenario("baseline"), ["days=1", *SETS])
    tot = {"build": 0.0, "step": 0.0, "task": 0.0}
    for seed in range(n):
        s = dataclasses.replace(sc, seed=seed)
        c0 = time.process_time()
        m = SelloffModel(s, seed)
        c1 = time.process_time()
        m.run()
        c2 = time.process_time()
        del m
        gc.collect()  # the model's agents hold it in cycles: free it before the next
        c3 = time.process_time()
        # a worker's whole task: the ensemble runner's one run with the batch's measure
        _run_one(Job("x", 0, seed, s), functools.partial(_frames, minutes=False))
        c4 = time.process_time()
        tot["build"] += c1 - c0
        tot["step"] += c2 - c1
        tot["task"] += c4 - c3
    b, st, task = (tot[k] / n for k in ("build", "step", "task"))
    print(f"{mode:<9} per run, CPU s: build {b:.3f}  step (model's own) {st:.3f}  whole task "
          f"{task:.3f}  -> overhead beyond stepping {(task - st) / st:+.1%} "
          f"(build alone {b / st:.1%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=48)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--phases", choices=("defaults", "worker"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phases:
        _phases(args.phases, args.runs)
        return
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    breakdown()
    gc.collect()
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        t = time.perf_counter()
        warm()
        print(f"parent warm-up (numba cache load): {time.perf_counter() - t:.1f} s")
        rows = [_one("in-process, one after another", tmp / "serial", args.runs, workers=1)]
        rows.append(_one(f"local spawn pool, {args.workers} workers", tmp / "pool", args.runs,
                         workers=args.workers))
        if not args.no_dask:
            from distributed import LocalCluster

            from scenarios.studies.batch import dask_executor

            t = time.perf_counter()
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              host="127.0.0.1", dashboard_address=None) as cluster:
                client, ex = dask_executor(cluster.scheduler_address)
                t_up = time.perf_counter() - t
                r = _one(f"Dask LocalCluster on 127.0.0.1, {args.workers} workers", tmp / "dask",
                         args.runs, executor=ex, workers=args.workers)
                r["note"] = f"(+{t_up:.1f} s cluster start, not in wall)"
                rows.append(r)
                client.close()
        same = all(r["daily"].sort_values(["run_id", "ticker"]).reset_index(drop=True).equals(
            rows[0]["daily"].sort_values(["run_id", "ticker"]).reset_index(drop=True))
            for r in rows[1:])
        base = rows[0]
        model_s = base["own"] / base["n"]  # the model's own time per run, in-process
        print(f"\n{args.runs} one-day baseline runs, 10,000 investors, 19 stocks; model's own "
              f"time per run in-process: {model_s:.2f} s\n")
        head = (f"{'executor':<44}{'wall s':>8}{'own s':>8}{'cpu s':>8}{'runs/s':>8}"
                f"{'effic.':>8}{'cpu/own':>8}{'overhead':>10}{'1,000 runs':>12}{'vs pool':>9}")
        print(head)
        print("-" * len(head))
        pool_wall = rows[1]["wall"]
        for r in rows:
            eff = r["own"] / r["workers"] / r["wall"]
            over = (r["wall"] * r["workers"] - r["own"]) / r["own"]
            proj = 1000 * r["wall"] / r["n"] / 60
            print(f"{r['label']:<44}{r['wall']:>8.1f}{r['own']:>8.1f}{r['cpu']:>8.1f}"
                  f"{r['n'] / r['wall']:>8.2f}{eff:>8.2f}{r['cpu'] / r['own']:>8.2f}"
                  f"{over:>+10.1%}{proj:>9.1f} min{r['wall'] / pool_wall:>9.2f}"
                  + (f"  {r['note']}" if r.get("note") else ""))
        print("\neffic.: sum of the runs' own times / workers / wall; cpu/own: CPU time the "
              "runs got / their wall time (1.00: a whole core each); overhead: workers x wall "
              "beyond the runs' own times, as a share of them (pool start, worker warm-up, "
              "idle workers, transfers); the host is shared, so figures vary run to run")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for r in rows[1:]:
            eff = r["own"] / r["workers"] / r["wall"]
            free = 1000 * r["cpu"] / r["n"] / r["workers"] / eff / 60
            print(f"{r['label']}: 1,000 runs on {r['workers']} free cores (the runs' CPU time "
                  f"{r['cpu'] / r['n']:.2f} s each, this efficiency): {free:.1f} min")
        cpu_run = base["cpu"] / base["n"]
        print(f"1,000 runs' CPU time, on two cores: 1,000 x {cpu_run:.2f} CPU s per run "
              f"(in-process) / 2 = {1000 * cpu_run / 2 / 60:.1f} min (target: under 10)")
        print(f"same numbers on every executor: {'yes' if same else 'NO'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
