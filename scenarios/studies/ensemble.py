"""The ensemble runner: every study's runs (points x seeds) on local processes or a Dask cluster.

One code path for `selloff run`, `batch`, `attribute`, `calibrate`, `predict`, `facts` and
`sensitivity` (which analyses a batch). A study hands over its jobs (:class:`Job`: a run id, a
point, a seed and the scenario to run) and a *measure*, a module-level function (picklable by
reference) that takes the finished `scenarios.engine.simulation.Simulation` and returns what
the study keeps of it. The runner:

- runs the jobs on an executor with the ``concurrent.futures`` protocol: this process
  (:class:`InlineExecutor`), a spawn pool of warm workers (imports and the numba cache loaded
  once per worker, several runs per task; the parent loads or compiles the cache first, as
  parallel first compiles corrupt it) or a Dask cluster (``distributed.Client(address)
  .get_executor()``);
- turns a run that raises into a row with ``status="failed"`` and its error: the study goes on;
- saves each finished run atomically in a :class:`Store` as it comes back (a part file written
  to a temporary name, then renamed), so a run killed at any moment loses only what was still
  running, and a rerun with the same store runs only what is missing (and what failed before);
- shows a progress bar (done, failed, runs a second).

Rows come back in job order: ``{"run_id", "point", "seed", "status", "error", "wall_s",
"cpu_s", "value"}`` (``value`` the measure's output, None for a failed run).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import gc
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Job", "Store", "JsonStore", "InlineExecutor", "EnsembleError", "RunFailed",
           "run_ensemble", "values",
           "job_id", "local_executor", "dask_executor", "warm", "executor_for"]


class EnsembleError(ValueError):
    """Bad ensemble input (a scheduler that cannot be reached, a store in the way)."""


class RunFailed(RuntimeError):
    """A study that needs every run got a failed one: the message names it and its error."""


def values(rows: list[dict]) -> list:
    """The measured values of `rows`, in order; RunFailed naming the first failed run."""
    bad = [r for r in rows if r["status"] != "ok"]
    if bad:
        r = bad[0]
        raise RunFailed(f"run {r['point']} seed {r['seed']} failed ({len(bad)} of {len(rows)} "
                        f"runs): {r['error']}")
    return [r["value"] for r in rows]


@dataclass(frozen=True)
class Job:
    """One run: its stable id, the design point it belongs to (an index or a name), its seed
    and the scenario to run (with that seed); `progress` shows the run's own minutes (a
    single run in this process)."""

    run_id: str
    point: object
    seed: int
    scenario: object
    progress: bool = False


def job_id(*parts) -> str:
    """A stable id from JSON-able parts (scenario dict, overrides, seed, version...)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# -------------------------------------------------------------------------------------------
# Stores: where finished runs are kept


class Store:
    """Where an ensemble keeps its finished runs. The base keeps nothing (a study that needs
    no resumption); subclasses write one part per run, atomically."""

    def finished(self) -> dict[str, dict]:
        """run_id -> row of every run already kept (ok or failed)."""
        return {}

    def save(self, row: dict) -> None:
        """Keep one finished run's row (its ``value`` included)."""


class JsonStore(Store):
    """One JSON file per run in a folder: ``<run_id>.json`` (strict JSON; NaN as null)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def finished(self) -> dict[str, dict]:
        """Every readable part in the folder, by run id."""
        out = {}
        if not self.folder.is_dir():
            return out
        for p in self.folder.glob("*.json"):
            try:
                row = json.loads(p.read_text())
            except (OSError, ValueError):
                continue  # not whole, or not ours: the run is done again
            if isinstance(row, dict) and row.get("run_id") == p.stem:
                out[p.stem] = row
        return out

    def save(self, row: dict) -> None:
        """Write ``<run_id>.json`` through a temporary name (the commit point of a run)."""
        from scenarios.studies.outputs import strict_json

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{row['run_id']}.json"
        tmp = self.folder / f".{row['run_id']}.json.tmp"
        tmp.write_text(strict_json(row))
        os.replace(tmp, path)


# -------------------------------------------------------------------------------------------
# Workers


def _tiny_scenario():
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides

    return apply_overrides(get_scenario("deepseek"), [
        "days=2", "tickers=[\"NVDA\",\"TSM\"]", "population.fundamental.count=20",
        "population.theme.count=5", "population.momentum.count=10",
        "population.noise.count=20", "population.leveraged.count=2",
        "population.passive.count=1"])


def warm() -> float:
    """Import the model and load (or compile) the numba cache with one tiny run; seconds."""
    t = time.perf_counter()
    from scenarios.engine.simulation import Simulation

    Simulation(_tiny_scenario(), 0).run()
    return time.perf_counter() - t


def _run_one(job: Job, measure: Callable) -> dict:
    """Run one job and measure it; a run that raises is a failed row (never raised)."""
    from scenarios.engine.simulation import Simulation

    row = {"run_id": job.run_id, "point": job.point, "seed": int(job.seed), "status": "ok",
           "error": "", "wall_s": 0.0, "cpu_s": 0.0, "value": None}
    t, c = time.perf_counter(), time.process_time()
    try:
        sim = Simulation(dataclasses.replace(job.scenario, seed=int(job.seed)), job.seed)
        sim.run(progress=job.progress)
        row["value"] = measure(sim)
    except Exception as e:  # a failed run is a row; the study goes on
        row.update(status="failed", error=f"{type(e).__name__}: {e}"[:2000])
        tb = traceback.format_exc(limit=-3)
        row["error"] += " | " + " ".join(tb.split())[-500:]
    sim = None
    # a model's exchange holds tens of MB: free it before the next run builds beside it
    gc.collect()
    row["wall_s"] = time.perf_counter() - t
    row["cpu_s"] = time.process_time() - c
    return row


def _chunk(jobs: list[Job], measure: Callable) -> list[dict]:
    return [_run_one(j, measure) for j in jobs]


class InlineExecutor(cf.Executor):
    """Runs each task at submit, in this process (one run, tests, notebooks, debugging)."""

    def submit(self, fn, /, *args, **kwargs):
        """Run `fn(*args, **kwargs)` now; return a finished Future with its result or error."""
        f = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(e)
        return f


def _init_worker() -> None:
    """A worker's start: imports and numba cache (one tiny run), then every object alive so far
    moved out of the garbage collector's sight (``gc.freeze``): the imported modules and
    compiled dispatchers are never freed, and the full collection after each run would
    otherwise scan them all again (measured: 0.09 s a run, 0.003 s frozen, against 0.68 s of
    stepping)."""
    warm()
    gc.collect()
    gc.freeze()


def local_executor(workers: int) -> cf.Executor:
    """A spawn process pool of ``workers`` warm workers (imports and numba cache loaded once)."""
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                  initializer=_init_worker)


def dask_executor(address: str, timeout: float = 10.0):
    """``(client, executor)`` for the Dask scheduler at ``address`` (``tcp://HOST:PORT``).

    Raises:
        EnsembleError: the scheduler cannot be reached within ``timeout`` seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise EnsembleError("--scheduler: needs the 'distributed' package "
                            "(pip install 'selloff[batch]')") from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as e:
        raise EnsembleError(f"--scheduler: cannot reach {address!r} "
                            f"({type(e).__name__})") from None
    warm()  # here first: workers on this machine would otherwise compile the cache at once
    client.run(_init_worker)
    return client, client.get_executor(pure=False, retries=1)


def executor_for(workers: int | None = None, scheduler: str | None = None):
    """``(executor, close)`` for a study's options: a Dask cluster at ``scheduler``, else a
    local pool of ``workers`` (None: the number of cores; 1: this process). ``close()`` shuts
    down what was opened here."""
    if scheduler:
        client, ex = dask_executor(scheduler)
        return ex, client.close
    n = workers or os.cpu_count() or 1
    warm()  # compile or load the numba cache here first: parallel first compiles clash
    if n == 1:
        return InlineExecutor(), lambda: None
    ex = local_executor(n)
    return ex, lambda: ex.shutdown(wait=True, cancel_futures=True)


# -------------------------------------------------------------------------------------------
# The runner


def run_ensemble(jobs: Iterable[Job], measure: Callable, *, store: Store | None = None,
                 executor=None, workers: int | None = None, scheduler: str | None = None,
                 progress: bool = False, label: str = "runs", log=None) -> list[dict]:
    """Run every job not already in `store`, measure each, keep each as it finishes.

    Args:
        jobs: the runs (distinct run ids).
        measure: a module-level function ``measure(simulation) -> value`` (picklable by
            reference; ``functools.partial`` of one with picklable arguments works too).
        store: where finished runs are kept and found again (None: nowhere; nothing resumes).
        executor: a ``concurrent.futures.Executor`` to use as it is; else one is made from
            ``scheduler`` (a Dask address) or ``workers`` (:func:`executor_for`) and closed.
        progress: a progress bar on stderr, labelled `label`.
        log: a callable taking one line (default: stderr) for the resumption note.

    Returns:
        One row per job, in job order (see the module docstring).
    """
    jobs = list(jobs)
    ids = [j.run_id for j in jobs]
    if len(set(ids)) != len(ids):
        raise EnsembleError("jobs: run ids must be distinct")
    store = store or Store()
    say = log or (lambda s: print(s, file=sys.stderr))
    kept = store.finished()
    rows = {i: kept[i] for i in ids if i in kept and kept[i].get("status") == "ok"}
    todo = [j for j in jobs if j.run_id not in rows]  # failed runs are tried again
    failed_before = sum(1 for i in ids if i in kept and kept[i].get("status") != "ok")
    if rows or failed_before:
        say(f"{label}: {len(rows)} of {len(jobs)} runs already done"
            + (f" ({failed_before} failed before: trying them again)" if failed_before else "")
            + f"; running the other {len(todo)}")
    if todo:
        close = lambda: None  # noqa: E731
        n_exec = workers or 4
        if executor is None:
            executor, close = executor_for(workers if len(todo) > 1 else 1, scheduler)
            n_exec = workers or os.cpu_count() or 1
        try:
            for row in _execute(todo, measure, executor, n_exec, progress, label):
                store.save(row)
                rows[row["run_id"]] = row
        finally:
            close()
    return [rows[i] for i in ids]


def _execute(todo, measure, executor, n_exec, progress, label):
    """Yield each finished run's row as it comes back."""
    if isinstance(executor, InlineExecutor):  # one at a time: each kept as soon as it is done
        size, n_exec = 1, 1
    else:
        # several runs per task (fewer round trips), small enough to balance and lose little
        size = max(1, min(4, len(todo) // (4 * n_exec)))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=label, unit="run", smoothing=0.1,
                   bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]")
    failed = 0
    t0 = time.perf_counter()
    try:
        if isinstance(executor, InlineExecutor):
            futs = (executor.submit(_chunk, c, measure) for c in chunks)  # lazily, in order
        else:
            futs = cf.as_completed([executor.submit(_chunk, c, measure) for c in chunks])
        for f in futs:
            for row in f.result():
                failed += row["status"] != "ok"
                if bar is not None:
                    bar.update()
                    rate = bar.n / max(time.perf_counter() - t0, 1e-9)
                    bar.set_postfix_str(f"done {bar.n - failed}, failed {failed}, "
                                        f"{rate:.2f} runs/s")
                yield row
    finally:
        if bar is not None:
            bar.close()
