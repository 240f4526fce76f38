"""Batches: a design of override points times seeds, run on local processes or a Dask cluster.

A *design* is a DataFrame with one column per varied parameter, named by its dotted path (the
paths of ``selloff fields`` / :func:`scenarios.library.overrides.describe`), and one row per
point. Every point runs with the same seeds (common random numbers). Every value is validated with
:func:`scenarios.library.overrides.apply_overrides` before anything runs.

The dataset in the output folder (a contract other tools read):

- ``runs.parquet``: one row per run: ``run_id`` (a stable hash of the scenario's name, the
  overrides, the seed and the model version), ``point``, ``seed``, ``status`` (``ok`` or
  ``failed``), ``error``, ``wall_s`` (the run's own time in its worker, s), ``cpu_s`` (its CPU
  time there, s), then one typed column per varied parameter, named by its dotted path.
- ``daily.parquet``: ``run_id, date, ticker, open, high, low, close, volume, return``: dollars,
  shares, and the close-to-close return against the previous close (a fraction): exactly the
  numbers ``selloff run SCENARIO --seed S --set ...`` writes into summary.json.
- ``minutes.parquet`` (with ``minutes=True``): ``run_id, minute, ticker, close`` (dollars),
  minute counted from the first day's open.
- ``batch.json``: the scenario, fixed overrides, design, seeds, days and versions; a design
  point equal to an earlier one (Sobol samples repeat rows) is run once, and ``same_as`` maps
  it to that earlier point.
- ``parts/``: one file per finished run, written to a temporary name and renamed, so a killed
  batch leaves only complete runs; the consolidated files are rebuilt from the parts. A rerun of
  the same batch skips finished runs.

The runs go through the ensemble runner (`scenarios.studies.ensemble`), as every study's do: a local
spawn pool of warm workers, several runs per task, or any ``concurrent.futures.Executor``
(``distributed.Client(address).get_executor()`` runs the same code on a Dask cluster); each
finished run is kept as a part by :class:`ParquetStore`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from agents.params import ParamError
from market.types import BAR, DAY
from scenarios.library.overrides import apply_overrides, describe
from scenarios.studies.ensemble import (  # noqa: F401 - InlineExecutor, dask_executor, warm: re-exported
    InlineExecutor,
    Job,
    Store,
    dask_executor,
    warm,
)

__all__ = [
    "BatchError",
    "BatchResult",
    "InlineExecutor",
    "MesaBatchModel",  # noqa: F822 - built on first use (module __getattr__)
    "dask_executor",
    "grid_design",
    "load_batch",
    "model_version",
    "run_batch",
    "sample_design",
    "validate_design",
]

SAMPLE_METHODS = ("lhs", "sobol", "morris")
MAX_POINTS = 100_000


class BatchError(ValueError):
    """Bad batch input (design, seeds, folder); the message names the field."""


@dataclasses.dataclass
class BatchResult:
    """A batch's dataset: ``runs`` (one row per run) and ``daily`` (per run, day and stock)."""

    runs: pd.DataFrame
    daily: pd.DataFrame
    out: Path
    meta: dict
    skipped: int = 0  #: runs already done before this call
    minutes: pd.DataFrame | None = None


# -------------------------------------------------------------------------------------------
# Designs


def _path_types(scenario) -> dict[str, str]:
    """dotted path -> allowed-text (its first word is the type: int, float, bool, str...)."""
    return {p: allowed for p, _v, allowed in describe(scenario)}


def grid_design(grid: Mapping[str, list]) -> pd.DataFrame:
    """The full factorial of ``grid`` (dotted path -> values): one row per combination.

    Args:
        grid: values per parameter, in the units the parameter declares.

    Returns:
        A DataFrame with one column per path and ``prod(len(values))`` rows.
    """
    if not grid:
        return pd.DataFrame(index=range(1))
    for k, v in grid.items():
        if not isinstance(v, (list, tuple)) or not v:
            raise BatchError(f"--grid {k}: needs at least one value (got {v!r})")
    rows = list(itertools.product(*grid.values()))
    return pd.DataFrame(rows, columns=list(grid))


def _problem(ranges: Mapping[str, tuple]) -> dict:
    for k, (lo, hi) in ranges.items():
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise BatchError(f"--range {k}: needs LO < HI, both finite (got {lo}:{hi})")
    return {"num_vars": len(ranges), "names": list(ranges),
            "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()]}


def sample_design(method: str, ranges: Mapping[str, tuple], points: int,
                  seed: int = 0) -> pd.DataFrame:
    """Sample ``points`` base points over ``ranges`` (dotted path -> (lo, hi)).

    Args:
        method: ``lhs`` (scipy.stats.qmc Latin hypercube: exactly ``points`` rows, one per
            stratum of every parameter), ``sobol`` (SALib's Saltelli/Sobol sample with second
            order: ``points * (2 D + 2)`` rows, ``points`` a power of 2) or ``morris``
            (SALib's Morris trajectories, 4 levels: ``points * (D + 1)`` rows).
        ranges: bounds per parameter in its own units, ``lo < hi``.
        points: base sample size (1..100,000).
        seed: seed of the sampler.

    Returns:
        A DataFrame with one float column per path.
    """
    if method not in SAMPLE_METHODS:
        raise BatchError(f"--sample: must be one of {', '.join(SAMPLE_METHODS)} (got {method!r})")
    if not ranges:
        raise BatchError("--range: --sample needs at least one --range PATH=LO:HI")
    if not isinstance(points, (int, np.integer)) or not 1 <= points <= MAX_POINTS:
        raise BatchError(f"--points: must be an integer in [1, {MAX_POINTS}] (got {points!r})")
    prob = _problem(ranges)
    d = prob["num_vars"]
    if method == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=d, seed=seed).random(points)
        lo = np.array([b[0] for b in prob["bounds"]])
        hi = np.array([b[1] for b in prob["bounds"]])
        x = qmc.scale(u, lo, hi)
    elif method == "sobol":
        if points & (points - 1):
            raise BatchError(f"--points: Sobol needs a power of 2 (got {points})")
        if d < 2:
            raise BatchError("--range: Sobol needs at least two --range parameters")
        from SALib.sample import sobol

        x = sobol.sample(prob, points, calc_second_order=True, seed=seed)
    else:
        if points < 2:
            raise BatchError(f"--points: Morris needs at least 2 trajectories (got {points})")
        from SALib.sample import morris

        x = morris.sample(prob, points, num_levels=4, seed=seed)
    df = pd.DataFrame(x, columns=prob["names"])
    df.attrs["sample"] = {"method": method, "points": int(points), "seed": int(seed),
                          "ranges": {k: [float(a), float(b)] for k, (a, b) in ranges.items()}}
    return df


def _is_int_path(allowed: str) -> bool:
    return allowed.startswith("int")


def _fmt_value(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    if isinstance(v, (np.floating, float)):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return json.dumps(list(v))
    return str(v)


def _point_overrides(design: pd.DataFrame, scenario) -> list[list[str]]:
    """PATH=VALUE lists per design row; int parameters of a sampled design are rounded."""
    types = _path_types(scenario)
    out = []
    for _, row in design.iterrows():
        sets = []
        for k in design.columns:
            v = row[k]
            if _is_int_path(types.get(k, "")) and isinstance(v, (float, np.floating)):
                v = int(round(float(v)))
            sets.append(f"{k}={_fmt_value(v)}")
        out.append(sets)
    return out


def _typed_design(design: pd.DataFrame, scenario) -> pd.DataFrame:
    """The design with int parameters as int64 (sampled designs round them)."""
    types = _path_types(scenario)
    d = design.copy()
    for k in d.columns:
        if _is_int_path(types.get(k, "")) and d[k].dtype.kind == "f":
            d[k] = d[k].round().astype("int64")
    return d


def validate_design(scenario, design: pd.DataFrame, sets: Iterable[str] = (),
                    days: int | None = None) -> list:
    """Apply each point's overrides to ``scenario``; return the scenarios, one per point.

    Raises:
        BatchError: naming the point and the field of the first bad value.
    """
    base_sets = ([f"days={days}"] if days is not None else []) + list(sets)
    try:
        base = apply_overrides(scenario, base_sets)
    except ParamError as e:
        raise BatchError(f"--set {e}") from None
    scs = []
    for i, ov in enumerate(_point_overrides(design, scenario)):
        try:
            scs.append(apply_overrides(base, ov))
        except ParamError as e:
            raise BatchError(f"design point {i}: {e}") from None
    return scs


# -------------------------------------------------------------------------------------------
# Identity


def model_version() -> str:
    """The model version a run_id includes: the package version (``selloff`` distribution)."""
    try:
        from importlib.metadata import version

        return version("selloff")
    except Exception:  # not installed: a source checkout
        return "0+unknown"


def _run_id(name: str, overrides: list[str], seed: int, version: str) -> str:
    blob = json.dumps({"scenario": name, "overrides": list(overrides), "seed": int(seed),
                       "version": version}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# -------------------------------------------------------------------------------------------
# What a batch keeps of a run


def _frames(m, minutes: bool) -> dict:
    """The measure of one batch run (a Simulation that has run): its daily rows and, with
    `minutes`, its minute closes (frames without their run_id column; the store adds it)."""
    from scenarios.studies.run import result_of

    res = result_of(m)
    return {"daily": _daily_frame(None, res), "minutes": _minutes_frame(None, res)
            if minutes else None}


DAILY_COLUMNS = ("run_id", "date", "ticker", "open", "high", "low", "close", "volume", "return")


def _daily_frame(run_id, res) -> pd.DataFrame:
    """The daily rows of one run (``res`` a RunResult; None: an empty frame of the right types;
    ``run_id`` None: no run_id column).

    Prices are ticks / 100 and the return is close / previous close - 1, computed as
    ``scenarios.studies.run.summary_dict`` does (int / 100 in float64: the same numbers), without
    building the summary document (its parameter tree is not needed here).
    """
    if res is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            DAILY_COLUMNS, ("object", "datetime64[ns]", "object", "float64", "float64",
                            "float64", "float64", "int64", "float64"), strict=True)})
    d = res.daily  # [day, stock, DAY column], ticks and shares
    n_day, ns, _ = d.shape

    def stock_major(a):  # one stock's days, then the next stock's, as the summary lists them
        return a.T.reshape(ns * n_day)

    px = {k: d[:, :, getattr(DAY, k)].astype(np.float64) / 100.0
          for k in ("open", "high", "low", "close")}
    prev = np.vstack([res.prev_close[None, :].astype(np.float64) / 100.0, px["close"][:-1]])
    close = stock_major(px["close"])
    cols = {} if run_id is None else {"run_id": run_id}
    return pd.DataFrame({
        **cols,
        "date": np.tile(pd.to_datetime(list(res.dates)).to_numpy(), ns),
        "ticker": np.repeat(np.asarray(res.tickers, dtype=object), n_day),
        "open": stock_major(px["open"]), "high": stock_major(px["high"]),
        "low": stock_major(px["low"]), "close": close,
        "volume": d[:, :, DAY.volume].T.reshape(-1).astype(np.int64),
        "return": close / prev.T.reshape(-1) - 1.0})


def _minutes_frame(run_id, res) -> pd.DataFrame:
    n_min, ns, _ = res.bars.shape
    cols = {} if run_id is None else {"run_id": run_id}
    return pd.DataFrame({
        **cols, "minute": np.repeat(np.arange(n_min, dtype=np.int32), ns),
        "ticker": np.tile(np.asarray(res.tickers), n_min),
        "close": res.bars[:, :, BAR.close].reshape(-1) / 100.0})


class ParquetStore(Store):
    """A batch's parts: ``parts/<run_id>.parquet`` (its daily rows, its run row in the file's
    metadata) and ``parts/<run_id>.minutes.parquet``, each written to a temporary name and
    renamed (the daily file is the commit point of a run)."""

    def __init__(self, parts: Path):
        self.parts = Path(parts)

    def finished(self) -> dict[str, dict]:
        """run_id -> run row (without its frames) of every finished part."""
        import pyarrow.parquet as pq

        out = {}
        for p in self.parts.glob("*.parquet"):
            if p.name.startswith(".") or p.name.endswith(".minutes.parquet"):
                continue
            try:
                row = json.loads(pq.read_schema(p).metadata[b"selloff.run"])
            except Exception:  # noqa: BLE001 - not one of ours
                continue
            out[row["run_id"]] = row
        return out

    def save(self, row: dict) -> None:
        """Write one run's parts (a failed run: its row and no daily rows)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rid = row["run_id"]
        value = row.get("value") or {}
        daily = value.get("daily")
        daily = _daily_frame("", None) if daily is None else daily.copy()
        if "run_id" not in daily:
            daily.insert(0, "run_id", rid)
        mins = value.get("minutes")
        if mins is not None:
            mins = mins.copy()
            mins.insert(0, "run_id", rid)
            tmp = self.parts / f".{rid}.minutes.parquet.tmp"
            mins.to_parquet(tmp, index=False)
            os.replace(tmp, self.parts / f"{rid}.minutes.parquet")
        meta_row = {k: v for k, v in row.items() if k != "value"}
        table = pa.Table.from_pandas(daily, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"selloff.run"] = json.dumps(meta_row).encode()
        table = table.replace_schema_metadata(meta)
        tmp = self.parts / f".{rid}.parquet.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.parts / f"{rid}.parquet")  # the commit point of a run


# -------------------------------------------------------------------------------------------
# The dataset


def _read_parts(parts: Path) -> tuple[list[dict], list[pd.DataFrame]]:
    import pyarrow.parquet as pq

    rows, daily = [], []
    if not parts.is_dir():
        return rows, daily
    for p in sorted(parts.glob("*.parquet")):
        if p.name.startswith(".") or p.name.endswith(".minutes.parquet"):
            continue
        try:
            t = pq.read_table(p)
            row = json.loads(t.schema.metadata[b"selloff.run"])
        except Exception:  # a file from outside; the rename makes ours whole
            continue
        rows.append(row)
        daily.append(t.to_pandas())
    return rows, daily


def _consolidate(out: Path, meta: dict) -> BatchResult:
    parts = out / "parts"
    rows, daily = _read_parts(parts)
    design = pd.DataFrame(meta["design"]["rows"], columns=meta["design"]["columns"])
    cols = ["run_id", "point", "seed", "status", "error", "wall_s", "cpu_s"]
    runs = pd.DataFrame(rows, columns=cols)  # parts written before cpu_s existed: NaN
    runs = runs.astype({"point": "int64", "seed": "int64", "wall_s": "float64",
                        "cpu_s": "float64"})
    if len(design.columns):
        d = design.iloc[runs["point"].to_numpy()].reset_index(drop=True)
        runs = pd.concat([runs.reset_index(drop=True), d], axis=1)
    runs = runs.sort_values(["point", "seed"], kind="stable").reset_index(drop=True)
    dd = [x for x in daily if len(x)]
    daily_df = (pd.concat(dd, ignore_index=True) if dd else _daily_frame("", None))
    if len(daily_df):
        order = {r: i for i, r in enumerate(runs["run_id"])}
        daily_df = daily_df.assign(_o=daily_df["run_id"].map(order)).sort_values(
            ["_o", "date"], kind="stable").drop(columns="_o").reset_index(drop=True)
    _atomic_parquet(runs, out / "runs.parquet")
    _atomic_parquet(daily_df, out / "daily.parquet")
    minutes = None
    mparts = sorted(parts.glob("*.minutes.parquet")) if parts.is_dir() else []
    if mparts:
        done = set(runs["run_id"])
        mins = [pd.read_parquet(p) for p in mparts if p.name.split(".")[0] in done]
        if mins:
            minutes = pd.concat(mins, ignore_index=True)
            _atomic_parquet(minutes, out / "minutes.parquet")
    return BatchResult(runs=runs, daily=daily_df, out=out, meta=meta, minutes=minutes)


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def load_batch(out) -> BatchResult:
    """Load the dataset in ``out`` (rebuilt from its finished parts: a killed batch loads too)."""
    out = Path(out)
    try:
        meta = json.loads((out / "batch.json").read_text())
    except (OSError, ValueError):
        raise BatchError(f"DIR: {str(out)!r} holds no batch (batch.json missing)") from None
    return _consolidate(out, meta)


def _design_key(meta: dict) -> str:
    keep = {k: meta[k] for k in ("scenario", "sets", "days", "seeds", "design", "minutes",
                                 "version")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


# -------------------------------------------------------------------------------------------
# The runner


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)):
        if seeds < 1:
            raise BatchError(f"--seeds: must be >= 1 (got {seeds})")
        return list(range(int(seeds)))
    s = [int(x) for x in seeds]
    if not s or len(set(s)) != len(s) or min(s) < 0:
        raise BatchError(f"--seeds: distinct non-negative integers, at least one (got {s})")
    return s


def run_batch(scenario, design: pd.DataFrame | None, seeds, out, *, executor=None,
              workers: int | None = None, days: int | None = None, sets: Iterable[str] = (),
              minutes: bool = False, force: bool = False, progress: bool = False,
              command: str | None = None, log=None, dry_run: bool = False) -> BatchResult | None:
    """Run every design point with every seed; write the dataset to ``out``; return it.

    Args:
        scenario: a Scenario object or a catalog name.
        design: one column per varied parameter (dotted path), one row per point; None or an
            empty frame: one point, the scenario as it is (after ``sets``).
        seeds: an int N (seeds 0..N-1) or an iterable of seeds, the same for every point.
        out: output folder (created).
        executor: a ``concurrent.futures.Executor`` (e.g. a Dask client's ``get_executor()``
            or :class:`InlineExecutor`); None: a local spawn pool of ``workers`` processes.
        workers: processes of the local pool (default ``os.cpu_count()``).
        days: trading days per run (default: the scenario's).
        sets: fixed ``PATH=VALUE`` overrides for every run, applied before the design's.
        minutes: also keep minute closes per run and stock (minutes.parquet).
        force: start over in a folder that holds a different batch.
        progress: show a progress bar (done, failed, runs/s, ETA).
        command: the command line to record in batch.json.
        log: a callable taking one line of text (default: print to stderr).
        dry_run: only check the design against ``out`` (raise if it holds another batch);
            write and run nothing, return None.

    Returns:
        The :class:`BatchResult` (``runs``, ``daily``), with ``skipped`` runs already done.

    Raises:
        BatchError: bad design, seeds or sets (before anything runs), or a different batch in
            ``out`` without ``force``.
    """
    from scenarios.library.catalog import get_scenario

    say = log or (lambda s: print(s, file=sys.stderr))
    if isinstance(scenario, str):
        try:
            scenario = get_scenario(scenario)
        except (KeyError, ValueError) as e:
            raise BatchError(f"SCENARIO: {e}") from None
    sample = dict(design.attrs.get("sample", {})) if design is not None else {}
    design = pd.DataFrame(index=range(1)) if design is None or design.shape[1] == 0 else design
    design = _typed_design(design.reset_index(drop=True), scenario)
    seed_list = _seeds(seeds)
    sets = list(sets)
    scs = validate_design(scenario, design, sets, days)  # every value, before anything runs
    point_sets = _point_overrides(design, scenario)
    version = model_version()
    base_sets = ([f"days={days}"] if days is not None else []) + sets
    jobs = []
    # a point equal to an earlier one (Sobol samples repeat rows) is the same runs: run once
    first_of: dict[tuple, int] = {}
    same_as = {}
    for i, sc in enumerate(scs):
        key = tuple(point_sets[i])
        if key in first_of:
            same_as[i] = first_of[key]
            continue
        first_of[key] = i
        for s in seed_list:
            rid = _run_id(scenario.name, base_sets + point_sets[i], s, version)
            jobs.append(Job(rid, i, s, dataclasses.replace(sc, seed=s)))
    meta = {
        "scenario": scenario.name, "sets": sets, "days": scs[0].days, "seeds": seed_list,
        "design": {"columns": list(design.columns),
                   "rows": json.loads(design.to_json(orient="values"))
                   if len(design.columns) else [[] for _ in range(len(design))],
                   "dtypes": {c: str(design[c].dtype) for c in design.columns}},
        "minutes": bool(minutes), "version": version, "command": command, "sample": sample,
        "versions": _versions(), "runs": len(jobs),
        "same_as": {str(k): v for k, v in same_as.items()},  # point -> earlier equal point
    }
    meta["key"] = _design_key(meta)
    out = Path(out)
    parts = out / "parts"
    if dry_run:
        _check_out(out, meta["key"], force=False)
        return None
    out.mkdir(parents=True, exist_ok=True)
    if _check_out(out, meta["key"], force):
        for name in ("runs.parquet", "daily.parquet", "minutes.parquet", "fan.png"):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir(exist_ok=True)
    tmp = out / ".batch.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(tmp, out / "batch.json")

    from scenarios.studies import ensemble  # at call time: the one runner, as every study calls it

    store = ParquetStore(parts)
    kept = store.finished()
    skipped = sum(1 for j in jobs if kept.get(j.run_id, {}).get("status") == "ok")
    try:
        ensemble.run_ensemble(jobs, functools.partial(_frames, minutes=minutes), store=store,
                     executor=executor, workers=workers, progress=progress, label="batch",
                     log=say)
    except BaseException:  # interrupted: what finished is kept, and readable
        _consolidate(out, meta)
        raise
    res = _consolidate(out, meta)
    res.skipped = skipped
    return res


def _check_out(out: Path, key: str, force: bool) -> bool:
    """Whether ``out`` holds a different batch than the one whose design key is ``key`` (an
    unreadable batch.json counts as different); without ``force`` that is a BatchError."""
    try:
        old = json.loads((out / "batch.json").read_text())
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        old = {}
    if not isinstance(old, dict) or old.get("key") != key:
        if not force:
            raise BatchError(f"--out: {str(out)!r} holds a different batch; use --force to "
                             "replace it or choose another folder")
        return True
    return False


def _versions() -> dict:
    import platform

    v = {"python": platform.python_version()}
    for mod in ("numpy", "numba", "mesa", "pandas", "pyarrow"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a version is information, not a requirement
            pass
    v["selloff"] = model_version()
    return v


# -------------------------------------------------------------------------------------------
# Mesa's batch_run


def _mesa_model_class():
    from scenarios.engine.model import SelloffModel

    class MesaBatchModel(SelloffModel):
        """SelloffModel for ``mesa.batch_run``: a scenario name and dotted-path overrides.

        ``mesa.batch_run(MesaBatchModel, parameters={"scenario": "deepseek", "days": 1,
        "shocks.deepseek.size": [-0.1, -0.2], "seed": 3}, max_steps=390)`` runs one model per
        combination; dotted paths pass through ``**overrides`` (validated like ``--set``).
        Mesa 3.3's caveat: ``batch_run`` gives every iteration the same ``seed`` (the one in
        ``parameters``, or none), so ``iterations > 1`` repeats one seed unless ``seed`` is
        given as a list of seeds; use :func:`run_batch` for seeds times points.
        """

        def __init__(self, scenario: str = "baseline", seed: int | None = None,
                     rng=None, days: int | None = None, **overrides):
            from scenarios.library.catalog import get_scenario

            sc = get_scenario(scenario)
            sets = ([f"days={days}"] if days is not None else [])
            sets += [f"{k}={_fmt_value(v)}" for k, v in overrides.items()]
            sc = apply_overrides(sc, sets)
            if seed is None and rng is not None:
                seed = int(rng)
            super().__init__(sc, seed)

    # picklable as scenarios.studies.batch.MesaBatchModel
    MesaBatchModel.__qualname__ = "MesaBatchModel"
    MesaBatchModel.__module__ = __name__
    return MesaBatchModel


def __getattr__(name):
    if name == "MesaBatchModel":  # built on first use: importing the model costs numba loads
        cls = _mesa_model_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
