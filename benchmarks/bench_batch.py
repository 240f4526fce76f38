"""How fast batches run: one-day 10,000-investor baseline runs, in-process, a local pool, Dask.

    .venv/bin/python benchmarks/bench_batch.py [--runs 48] [--workers 2]

Prints a table: wall time, the runs' own time (the sum of ``wall_s``, measured inside the
workers), runs per second, parallel efficiency (sum of the runs' own times / workers / wall),
overhead per run beyond the model's own time, and the projected wall time of 1,000 runs. The
baseline is the same runs one after another in this process (``workers=1``), measured in the
same invocation. Times include starting the pool or cluster and warming its workers, as a user
would wait for them.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from scenarios.batch import run_batch, warm

#: 3,000 + 1,200 + 5,694 + 4 x 19 + 20 + 10 = 10,000 investors
SETS = ["population.noise.count=5694"]


def _one(label, out, runs, **kw):
    t = time.perf_counter()
    res = run_batch("baseline", None, runs, out, days=1, sets=SETS, **kw)
    wall = time.perf_counter() - t
    own = float(res.runs["wall_s"].sum())
    assert (res.runs["status"] == "ok").all(), res.runs["error"].iloc[0]
    return {"label": label, "wall": wall, "own": own, "n": len(res.runs),
            "workers": kw.get("workers") or 1, "daily": res.daily}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=48)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
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

            from scenarios.batch import dask_executor

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
        head = (f"{'executor':<44}{'wall s':>8}{'own s':>8}{'runs/s':>8}{'effic.':>8}"
                f"{'overhead':>10}{'1,000 runs':>12}{'vs pool':>9}")
        print(head)
        print("-" * len(head))
        pool_wall = rows[1]["wall"]
        for r in rows:
            eff = r["own"] / r["workers"] / r["wall"]
            over = (r["wall"] * r["workers"] / r["n"] - model_s) / model_s
            proj = 1000 * r["wall"] / r["n"] / 60
            print(f"{r['label']:<44}{r['wall']:>8.1f}{r['own']:>8.1f}{r['n'] / r['wall']:>8.2f}"
                  f"{eff:>8.2f}{over:>+10.1%}{proj:>9.1f} min{r['wall'] / pool_wall:>9.2f}"
                  + (f"  {r['note']}" if r.get("note") else ""))
        print("\neffic.: sum of the runs' own times / workers / wall; overhead: wall x workers "
              "per run beyond the in-process model time per run, as a share of it (includes "
              "pool start and worker warm-up); the host is shared, so figures vary run to run")
        print(f"same numbers on every executor: {'yes' if same else 'NO'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
