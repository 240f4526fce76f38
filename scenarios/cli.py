"""The `selloff` command line.

Bad input (a value out of range, a wrong type, an unwritable path) exits with code 2 and one line
naming the problem and what is allowed; never a traceback.
"""

import argparse
import re
import sys
import time
from pathlib import Path

from scenarios.studies.ensemble import RunFailed

__all__ = ["main"]


class UsageError(ValueError):
    """Bad command-line input: the message is one line that names the field and what is allowed."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the problem and where to look), exit code 2."""

    def error(self, message):
        message = re.sub(r"argument (\S+): \1:", r"\1:", message)  # the name once
        self.exit(2, f"selloff: error: {message} (see {self.prog} --help)\n")  # one prefix


def _positive_int(name: str, lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name}: must be an integer in [{lo}, {hi}] (got {text!r})") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(
                f"{name}: must be an integer in [{lo}, {hi}] (got {v})")
        return v

    return parse


def _out_dir(text: str) -> Path:
    """--out as given; nothing is created before the command has checked all its input."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--out: must name a folder (got an empty path)")
    return Path(text)


def _check_out(out: Path, ours) -> Path:
    from scenarios.studies.outputs import OutputError, check_out

    try:
        return check_out(out, ours)
    except OutputError as e:
        raise UsageError(str(e)) from None


_MAX_SEED = 2**63 - 1


def _seeds(first: int, n: int) -> list[int]:
    """Seeds first .. first+n-1, each within the seed's declared range."""
    if first + n - 1 > _MAX_SEED:
        raise UsageError(f"--seed: the last seed (--seed + --seeds - 1) must be <= {_MAX_SEED} "
                         f"(got {first + n - 1})")
    return list(range(first, first + n))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_demo(args) -> int:
    """Replay a generated order stream through the engine; print what it did and how fast."""
    import numpy as np
    from tqdm import tqdm

    from market import Exchange, MarketRules, match_stream
    from market.streams import random_stream
    from scenarios.studies.outputs import DEMO_FILES, staged

    if args.out:
        _check_out(args.out, DEMO_FILES)
    n = args.orders
    print(f"selloff demo: {n:,} orders (60% limits near a wandering mid, 20% markets, 20% cancels),"
          f" seed {args.seed}")
    stream = random_stream(n, args.seed)
    t = time.perf_counter()
    match_stream(stream[:100])
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    fills = match_stream(stream)
    t_match = time.perf_counter() - t
    kinds = np.bincount(stream["kind"].astype(np.int64), minlength=4)
    print(f"  compile or cache load: {t_compile:.2f} s")
    print(f"  match_stream: {n:,} orders ({kinds[0]:,} limits, {kinds[1]:,} markets, "
          f"{kinds[2]:,} cancels) -> {fills.size:,} fills, {int(fills['qty'].sum()):,} shares, "
          f"in {t_match * 1e3:.0f} ms = {n / t_match / 1e6:.1f} M orders/s")
    if fills.size:
        vwap = (fills["price"] * fills["qty"]).sum() / fills["qty"].sum()
        print(f"  prices from {fills['price'].min()} to {fills['price'].max()} ticks, "
              f"VWAP {vwap:.1f}")

    multi = random_stream(n, args.seed + 1, n_stocks=19, n_traders=1000)
    rules = MarketRules(auctions=False, luld=False, circuit_breaker=False)
    t = time.perf_counter()
    warm = Exchange(np.full(19, 10_000), 1000, rules)
    warm.start_day(0)
    warm.submit(multi[:100])
    print(f"  Exchange compile or cache load: {time.perf_counter() - t:.2f} s")
    ex = Exchange(np.full(19, 10_000), 1000, rules)
    ex.start_day(0)
    cash0, shares0 = ex.cash.sum(), ex.shares.sum(axis=0).copy()
    chunk = 20_000
    t = time.perf_counter()
    n_fills = 0
    for i in tqdm(range(0, n, chunk), desc="  Exchange", unit="batch", leave=False,
                  disable=not sys.stderr.isatty()):
        ex.submit(multi[i : i + chunk])
        n_fills += ex.drain().size
    t_ex = time.perf_counter() - t
    conserved = ex.cash.sum() == cash0 and (ex.shares.sum(axis=0) == shares0).all()
    print(f"  Exchange: 19 books, 1,000 accounts: {n:,} orders -> {n_fills:,} fills in "
          f"{t_ex * 1e3:.0f} ms = {n / t_ex / 1e6:.1f} M orders/s; cash and shares conserved: "
          f"{'yes' if conserved else 'NO'}")
    bid, ask = ex.best(0)
    print(f"  stock 0 top of book now: bid {bid} / ask {ask} ticks")
    if args.out:
        summary = {"orders": n, "seed": args.seed, "fills": int(fills.size),
                   "match_stream_orders_per_s": n / t_match, "exchange_orders_per_s": n / t_ex,
                   "conserved": bool(conserved)}
        from scenarios.studies.outputs import atomic_text, strict_json

        with staged(args.out) as tmp:
            atomic_text(tmp / "demo.json", strict_json(summary, indent=2))
            from viz.demo import plot_engine_demo

            plot_engine_demo(stream, fills, ex, tmp / "demo.png")
        print(f"  wrote {args.out / 'demo.json'} and {args.out / 'demo.png'}")
    return 0


def cmd_facts(args) -> int:
    """Run a scenario over seeds; print the stylized facts per stock against their bands."""
    import dataclasses

    from agents.params import ParamError
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides
    from scenarios.studies.facts import (
        BAND_ORDER,
        BAND_SHORT,
        check_scenario,
        format_table,
        run_facts,
    )
    from scenarios.studies.outputs import FACTS_FILES

    sc = get_scenario(args.scenario)
    try:
        sc = apply_overrides(sc, [f"days={args.days}"] + list(args.set or []))
    except ParamError as e:
        raise UsageError(f"--set {e}") from None
    check_scenario(sc)
    seed0 = sc.seed if args.seed is None else args.seed
    seeds = _seeds(seed0, args.seeds)
    _check_out(args.out, FACTS_FILES)
    sc = dataclasses.replace(sc, seed=seed0)
    print(f"selloff facts: scenario {sc.name}, {_plural(sc.days, 'day')}, "
          f"{_plural(len(sc.tickers), 'stock')}, "
          f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}")
    from viz.facts import plot_facts

    res = run_facts(sc, seeds, args.out, progress=sys.stderr.isatty(), draw=plot_facts,
                    workers=args.workers, scheduler=args.scheduler)
    for r in res["runs"]:
        print(f"  seed {r['seed']}: {r['wall_s']:.1f} s, {r['decisions']:,} decisions, "
              f"{r['orders']:,} orders, {r['trades']:,} trades, {len(r['halts'])} halts")
    print()
    print(format_table(res))
    print()
    frac = res["summary"]["pooled_pass_fraction"]
    n = len(seeds)
    verdicts = [f"{BAND_SHORT[b]} " + ("PASS" if frac[b] >= 1 else "FAIL" if frac[b] <= 0
                                       else f"{round(frac[b] * n)}/{n} seeds")
                for b in BAND_ORDER if b in frac]
    n_pass = sum(1 for b in frac if frac[b] >= 1)
    print(f"pooled over stocks: {n_pass}/{len(frac)} bands pass in every seed: "
          + ", ".join(verdicts))
    print("bands:")
    for b in BAND_ORDER:
        print(f"  {BAND_SHORT[b]:<7}{res['bands'][b]['rule']}")
    print(f"wrote {res['files']['json']} and {res['files']['figure']}")
    return 0


def _scenario_with(name: str, seed, days, sets):
    """The named scenario with --days, --set and --seed applied (UsageError on bad input)."""
    import dataclasses

    from agents.params import ParamError
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides

    sc = get_scenario(name)
    try:
        sc = apply_overrides(sc, ([f"days={days}"] if days is not None else []) + list(sets))
    except ParamError as e:
        raise UsageError(f"--set {e}") from None
    if seed is not None:
        sc = dataclasses.replace(sc, seed=seed)
    for line in sc.warnings():
        print(f"selloff: warning: {line}", file=sys.stderr)
    return sc


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def cmd_fields(args) -> int:
    """List every settable path of a scenario: its value, type and range, and what it means."""
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import describe

    rows = []
    for path, value, allowed in describe(get_scenario(args.scenario)):
        kind, _, doc = allowed.partition("; ")
        rows.append((path, _cut(value, 40), _cut(kind, 44), doc))
    head = ("path", "value", "type and range", "meaning")
    width = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], width, strict=True)) + "  " + r[3])
    print(f"\n{len(rows)} fields; set one with --set PATH=VALUE (selloff run {args.scenario} "
          "--set PATH=VALUE)")
    return 0


def cmd_scenarios(args) -> int:
    """List the scenarios with their days, shocks and one-line descriptions."""
    from scenarios.library.catalog import SCENARIOS

    for name, cls in SCENARIOS.items():
        sc = cls()
        shocks = ", ".join(s.name for s in sc.shocks) or "none"
        print(f"{name:<18} {_plural(sc.days, 'day'):>7}  {sc.description}")
        print(f"{'':<18} shocks: {shocks}")
    print("\nrun one: selloff run NAME [--seed N] [--days N] [--set PATH=VALUE] [--out DIR]")
    return 0


def cmd_run(args) -> int:
    """Run a scenario; write summary.json, bars.parquet, events.json and price_paths.png."""
    sc = _scenario_with(args.scenario, args.seed, args.days, args.set or [])
    from scenarios.studies.outputs import RUN_FILES, staged

    out = _check_out(args.out if args.out is not None else Path(f"out/{sc.name}-seed{sc.seed}"),
                     RUN_FILES)
    from market.types import BAR
    from scenarios.studies.ensemble import InlineExecutor, Job, job_id, run_ensemble, values
    from scenarios.studies.run import daily_returns, result_of, write_outputs

    print(f"selloff run: {sc.name}, seed {sc.seed}, {_plural(sc.days, 'day')}, "
          f"{_plural(len(sc.tickers), 'stock')}, {_plural(len(sc.shocks), 'shock')}")
    # one run, in this process, through the ensemble runner every study uses
    job = Job(job_id("run", sc.name, sc.seed), 0, sc.seed, sc, progress=sys.stderr.isatty())
    [row] = run_ensemble([job], result_of, executor=InlineExecutor(), label="run")
    [res] = values([row])
    res.wall_s = row["wall_s"]
    print(f"  {res.wall_s:.1f} s: {res.decisions:,} decisions, {res.orders:,} orders, "
          f"{int(res.bars[..., BAR.trades].sum()):,} trades, {len(res.halts)} halts")
    for d, m, name, _k, text in res.events:
        when = "before the open" if m < 0 else f"{9 + (30 + m) // 60:02d}:{(30 + m) % 60:02d}"
        print(f"  {res.dates[d]} {when}: {name}: {text}")
    print("\nclose-to-close returns, percent:")
    print(daily_returns(res))
    with staged(out) as tmp:  # the folder is complete or absent, whenever the run is killed
        files = write_outputs(res, tmp)
        if not args.no_plot:
            from viz.paths import plot_price_paths

            files["plot"] = plot_price_paths(res, tmp / "price_paths.png")
    print("\nwrote " + ", ".join(str(out / p.name) for p in files.values()))
    return 0


def _shocked_scenario(args, lacking: str):
    """(scenario with the command's --set applied, its seeds) for a command that needs a shock;
    a scenario without one is a usage error ("scenario: 'baseline' " + `lacking` + ...)."""
    sc = _scenario_with(args.scenario, None, None, args.set or [])
    if not sc.shocks:
        raise UsageError(f"scenario: {sc.name!r} {lacking}; pick one of the scenarios with "
                         "shocks (selloff scenarios)")
    seed0 = sc.seed if args.seed is None else args.seed
    return sc, _seeds(seed0, args.seeds)


def cmd_attribute(args) -> int:
    """Channels on and off over seeds: what share of each stock's shock-day move each explains."""
    from scenarios.studies.attribute import attribute, format_table

    sc, seeds = _shocked_scenario(args, "has no shocks to attribute")
    from scenarios.studies.outputs import ATTRIBUTION_FILES, atomic_text, staged, strict_json

    out = _check_out(args.out if args.out is not None else Path(f"out/{sc.name}-attribution"),
                     ATTRIBUTION_FILES)
    print(f"selloff attribute: {sc.name}, seeds {', '.join(map(str, seeds))}: all channels on, "
          "each off in turn, and no shock")
    res = attribute(sc, seeds, out, workers=args.workers, progress=sys.stderr.isatty(),
                    scheduler=args.scheduler)
    print(f"\n{res['date']} (day {res['shock_day']}): close-to-close move and its parts, "
          "percentage points, mean over seeds")
    print(format_table(res))
    print(f"\n{res['date']}: the day's low against the previous close, and its parts")
    print(format_table(res, "trough"))
    if res.get("next_date"):
        print(f"\n{res['next_date']} (the day after): close-to-close move and its parts")
        print(format_table(res, "next_day"))
    from viz.attribution import plot_attribution

    with staged(out, keep=("runs",)) as tmp:  # complete or absent; the run cache carries over
        atomic_text(tmp / "attribution.json", strict_json(res))
        plot_attribution(res, tmp / "attribution.png")
    print(f"\nwrote {out / 'attribution.json'} and {out / 'attribution.png'}")
    return 0


def cmd_calibrate(args) -> int:
    """Run deepseek to 27 January over seeds; report Nvidia's day against its targets."""
    from scenarios.studies.calibration import format_report, measure, verdicts

    sc = _scenario_with("deepseek", None, None, args.set or [])
    from scenarios.studies.outputs import CALIBRATION_FILES, atomic_text, staged, strict_json

    seed0 = sc.seed if args.seed is None else args.seed
    seeds = _seeds(seed0, args.seeds)
    if args.out:
        _check_out(args.out, CALIBRATION_FILES)
    print(f"selloff calibrate: deepseek to 27 January, seeds {seeds[0]}..{seeds[-1]}, "
          "Nvidia's 27 January against its targets (medians over seeds)")
    from scenarios.studies.ensemble import JsonStore

    stats = measure(sc, seeds, workers=args.workers, scheduler=args.scheduler,
                    progress=sys.stderr.isatty(),
                    store=JsonStore(args.out / "runs") if args.out else None)
    print(format_report(stats))
    v = verdicts(stats)
    if args.out:
        with staged(args.out, keep=("runs",)) as tmp:
            atomic_text(tmp / "calibration.json",
                        strict_json({"seeds": seeds, "per_seed": stats, "verdicts": v}))
        print(f"wrote {args.out / 'calibration.json'}")
    return 0 if all(r["pass"] for r in v.values()) else 1


def cmd_predict(args) -> int:
    """Median moves over seeds of every stock and day from the shock day on: predictions."""
    from scenarios.studies.predict import format_predictions, predict

    sc, seeds = _shocked_scenario(args, "has no shock to predict from")
    from scenarios.studies.outputs import PREDICTION_FILES, atomic_text, staged, strict_json

    if args.out:
        _check_out(args.out, PREDICTION_FILES)
    print(f"selloff predict: {sc.name}, seeds {seeds[0]}..{seeds[-1]}: median close-to-close "
          "return per stock and day, percent (* = calibrated; every other cell is a "
          "prediction, not a fit)")
    from scenarios.studies.ensemble import JsonStore

    res = predict(sc, seeds, workers=args.workers, scheduler=args.scheduler,
                  progress=sys.stderr.isatty(),
                  store=JsonStore(args.out / "runs") if args.out else None)
    print(format_predictions(res))
    if args.out:
        with staged(args.out, keep=("runs",)) as tmp:
            atomic_text(tmp / "predictions.json", strict_json(res))
        print(f"wrote {args.out / 'predictions.json'}")
    return 0


def _kv(flag: str, text: str) -> tuple[str, str]:
    path, eq, value = text.partition("=")
    if not eq or not path.strip() or not value.strip():
        raise UsageError(f"{flag}: expected PATH=VALUE (got {text!r})")
    return path.strip(), value.strip()


def _check_path(flag: str, path: str, scenario) -> None:
    from scenarios.library.overrides import describe

    paths = {p for p, _v, _a in describe(scenario)}
    if path not in paths:
        raise UsageError(f"{flag}: unknown parameter {path!r} (list them: selloff fields "
                         f"{scenario.name})")


def _batch_design(args, scenario):
    """The design of `selloff batch` from --grid or --sample/--points/--range (UsageError)."""
    from agents.params import ParamError
    from scenarios.library.overrides import parse_value
    from scenarios.studies.batch import BatchError, grid_design, sample_design

    if args.grid and args.sample:
        raise UsageError("--grid: use either --grid or --sample, not both")
    if (args.points is not None or args.range) and not args.sample:
        raise UsageError("--sample: --points and --range need --sample lhs|sobol|morris")
    if args.grid:
        grid = {}
        for g in args.grid:
            path, values = _kv("--grid", g)
            _check_path("--grid", path, scenario)
            if path in grid:
                raise UsageError(f"--grid: {path} given twice")
            vals = []
            for v in values.split(","):
                if not v.strip():
                    raise UsageError(f"--grid {path}: empty value in {values!r}")
                try:
                    vals.append(parse_value(v.strip()))
                except ParamError as e:
                    raise UsageError(f"--grid {path}: {e}") from None
            grid[path] = vals
        return grid_design(grid)
    if args.sample:
        if args.points is None:
            raise UsageError("--points: --sample needs --points N")
        ranges = {}
        for r in args.range or []:
            path, span = _kv("--range", r)
            _check_path("--range", path, scenario)
            lo, colon, hi = span.partition(":")
            try:
                lo_f, hi_f = float(lo), float(hi)
            except ValueError:
                lo_f = hi_f = None
            if not colon or lo_f is None:
                raise UsageError(f"--range {path}: expected LO:HI, two numbers (got {span!r})")
            if not lo_f < hi_f:
                raise UsageError(f"--range {path}: LO must be < HI (got {span})")
            ranges[path] = (lo_f, hi_f)
        try:
            return sample_design(args.sample, ranges, args.points, seed=args.sample_seed)
        except BatchError as e:
            raise UsageError(str(e)) from None
    return None


def cmd_batch(args) -> int:
    """Run a design of points x seeds; write runs.parquet, daily.parquet, batch.json, fan.png."""
    import os
    import shlex

    from scenarios.studies.batch import BatchError, dask_executor, run_batch, validate_design

    if args.workers is not None and args.scheduler:
        raise UsageError("--workers: use either --workers or --scheduler, not both")
    sc = _scenario_with(args.scenario, None, None, [])
    for a in args.set or []:
        _check_path("--set", _kv("--set", a)[0], sc)
    design = _batch_design(args, sc)
    import pandas as pd

    d = design if design is not None else pd.DataFrame(index=range(1))
    try:
        validate_design(sc, d, args.set or [], args.days)
    except BatchError as e:
        raise UsageError(str(e)) from None
    n_runs = len(d) * args.seeds
    if n_runs > 1_000_000:
        raise UsageError(f"--seeds: points x seeds must be <= 1,000,000 (got {n_runs:,})")
    out = Path(args.out) if args.out else Path(f"out/{sc.name}-batch")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {str(out)!r} is a file, not a folder")
    if (out / "batch.json").exists() and not args.force:
        _same_batch_or_refuse(sc, design, args, out)
    executor, client = None, None
    if args.scheduler:
        if not re.match(r"^(tcp|tls|inproc)://[^:/\s]+:\d{1,5}$", args.scheduler):
            raise UsageError(f"--scheduler: expected tcp://HOST:PORT (got {args.scheduler!r})")
        try:
            client, executor = dask_executor(args.scheduler)
        except BatchError as e:
            raise UsageError(str(e)) from None
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".selloff-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        if client is not None:
            client.close()
        if made and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise UsageError(f"--out: cannot write to {str(out)!r} ({e.strerror})") from None
    print(f"selloff batch: {sc.name}, {len(d)} point{'s' * (len(d) != 1)} x {args.seeds} "
          f"seed{'s' * (args.seeds != 1)} = {n_runs} runs"
          + (f" on {args.scheduler}" if args.scheduler else
             f" on {args.workers or os.cpu_count()} local processes"))
    try:
        res = run_batch(sc, design, args.seeds, out, executor=executor, workers=args.workers,
                        days=args.days, sets=args.set or [], minutes=args.minutes,
                        force=args.force, progress=sys.stderr.isatty(),
                        command="selloff " + shlex.join(sys.argv[1:]), log=print)
    except BatchError as e:
        raise UsageError(str(e)) from None
    finally:
        if client is not None:
            client.close()
    n_ok = int((res.runs["status"] == "ok").sum())
    n_failed = len(res.runs) - n_ok
    print(f"  {n_ok} runs ok, {n_failed} failed"
          + (f" ({res.skipped} already done before)" if res.skipped else "")
          + f"; mean run {res.runs['wall_s'].mean():.2f} s")
    if n_failed:
        first = res.runs[res.runs["status"] != "ok"].iloc[0]
        print(f"  first failure: point {first['point']}, seed {first['seed']}: "
              f"{first['error'][:200]}")
    files = [out / "runs.parquet", out / "daily.parquet", out / "batch.json"]
    if not args.no_plot and n_ok:
        from viz.fan import plot_fan

        files.append(plot_fan(res, out / "fan.png"))
    print("wrote " + ", ".join(str(p) for p in files))
    return 0 if n_failed == 0 else 1


def _same_batch_or_refuse(sc, design, args, out: Path) -> None:
    """Exit 2 before anything runs when `out` holds a different batch (without --force)."""
    from scenarios.studies.batch import BatchError, run_batch

    try:  # a dry run: raises on a different design, runs nothing when `executor` gets no job
        run_batch(sc, design, args.seeds, out, days=args.days, sets=args.set or [],
                  minutes=args.minutes, dry_run=True)
    except BatchError as e:
        raise UsageError(str(e)) from None


def cmd_sensitivity(args) -> int:
    """SALib's Sobol or Morris indices of a batch's outcomes: table, sensitivity.json and .png."""
    from scenarios.studies.batch import BatchError, load_batch
    from scenarios.studies.sensitivity import SensitivityError, analyze, format_table, write

    try:
        res = load_batch(args.dir)
        sens = analyze(res, args.outcome or None)
    except (BatchError, SensitivityError) as e:
        raise UsageError(str(e)) from None
    print(format_table(sens))
    j = write(sens, args.dir)
    from viz.sensitivity import plot_sensitivity

    png = plot_sensitivity(sens, args.dir / "sensitivity.png")
    print(f"wrote {j} and {png}")
    return 0


def cmd_plot(args) -> int:
    """Redraw the charts of a run folder (price_paths.png) or a batch folder (fan.png)."""
    d = args.dir
    if (d / "batch.json").exists():
        from scenarios.studies.batch import load_batch
        from viz.fan import plot_fan

        print(f"wrote {plot_fan(load_batch(d), d / 'fan.png')}")
        return 0
    if (d / "summary.json").exists() and (d / "bars.parquet").exists():
        from viz.paths import plot_price_paths

        print(f"wrote {plot_price_paths(_run_from_files(d), d / 'price_paths.png')}")
        return 0
    raise UsageError(f"DIR: {str(d)!r} is neither a run folder (summary.json, bars.parquet) nor "
                     "a batch folder (batch.json)")


def _run_from_files(d: Path):
    """What viz.paths.plot_price_paths reads, rebuilt from a run folder's files."""
    import json
    import types

    import numpy as np
    import pandas as pd

    from agents.universe import load_universe

    summ = json.loads((d / "summary.json").read_text())
    bars = pd.read_parquet(d / "bars.parquet")
    tickers = list(summ["tickers"])
    cols = ["open", "high", "low", "close", "volume", "trades"]
    bars["ticker"] = pd.Categorical(bars["ticker"].astype(str), categories=tickers)
    bars = bars.sort_values(["timestamp", "ticker"], kind="stable")
    arr = bars[cols].to_numpy(float).reshape(-1, len(tickers), 6)
    arr[..., :4] = np.round(arr[..., :4] * 100)
    roles = dict(zip(*(lambda u: (u.tickers, u.roles))(load_universe()), strict=True))
    from scenarios.library.catalog import SCENARIOS

    cls = SCENARIOS.get(summ["scenario"])
    description = cls().description if cls is not None else ""
    events = []
    ev_path = d / "events.json"
    if ev_path.exists():
        for e in json.loads(ev_path.read_text()).get("events", []):
            events.append((e["day"], e["minute"], e["name"], e["type"], e["text"]))
    return types.SimpleNamespace(
        bars=arr.astype(np.int64), prev_close=np.array(
            [round(summ["prev_close"][t] * 100) for t in tickers], np.int64),
        roles=tuple(roles[t] for t in tickers), tickers=tuple(tickers), dates=summ["dates"],
        events=events, scenario=types.SimpleNamespace(name=summ["scenario"],
                                                    description=description),
        seed=summ["seed"])
def cmd_dashboard(args) -> int:
    """Serve the classroom page on HOST:PORT (127.0.0.1 by default), every asset local."""
    from viz.dashboard import port_free, serve

    query = None
    if args.card is not None:
        from viz.dashboard.state import RunCard, card_to_query

        try:
            card = RunCard.from_json(args.card.read_text())
        except OSError as e:
            raise UsageError(f"--card: cannot read {str(args.card)!r} ({e.strerror})") from None
        query = card_to_query(card)
        args.scenario = card.scenario
    if not port_free(args.host, args.port):
        raise UsageError(f"--port: {args.port} is in use on {args.host}; pick another "
                         "in [1024, 65535]")
    return serve(args.scenario, args.host, args.port, query=query)


def cmd_classroom(args) -> int:
    """Serve the trading floor: a class trades in one shared world beside the agents."""
    from agents.params import ParamError
    from scenarios.floor import check_floor, floor_with
    from scenarios.floor.session import FLOOR_FILES, LOG_NAME, FloorSession
    from viz.floor import check_code, is_loopback, new_admin_code, new_code, serve

    sets = list(args.set or [])
    floor_sets = [s for s in sets if s.startswith("floor.")]
    scenario_sets = [s for s in sets if not s.startswith("floor.")]
    sc = _scenario_with(args.scenario, args.seed, None, scenario_sets)
    if args.speed is not None:
        floor_sets.append(f"floor.speed={args.speed}")
    try:
        floor = floor_with(floor_sets)
        check_floor(floor, sc)
    except ParamError as e:
        flag = "--speed" if e.path == "floor.speed" and args.speed is not None else "--set"
        raise UsageError(f"{flag} {e}") from None
    code = check_code("--code", args.code) if args.code is not None else new_code()
    admin = (check_code("--admin-code", args.admin_code) if args.admin_code is not None
             else new_admin_code())
    if code == admin:
        raise UsageError("--admin-code: must differ from --code")
    out = _check_out(args.out if args.out is not None
                     else Path(f"out/classroom-{sc.name}-seed{sc.seed}"), FLOOR_FILES)
    if not is_loopback(args.host):
        print(f"selloff: warning: --host {args.host}: the floor answers other machines on "
              "the network; anyone with the class code can join", file=sys.stderr)
    import socket

    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
        try:
            probe.bind((args.host, args.port))
        except OSError as e:
            raise UsageError(f"--port: {args.port} cannot be used on {args.host} "
                             f"({e.strerror}); pick another in [1024, 65535], or 0") from None
    print(f"selloff classroom: {sc.name}, seed {sc.seed}, {_plural(sc.days, 'day')} "
          f"(students from day {floor.start_day}), {floor.speed:g} simulated min/s; "
          "building the world...", flush=True)
    session = FloorSession(sc, floor, seed=sc.seed, sets=scenario_sets, out=out)

    def announce(srv):
        host, port = srv.server_address[:2]
        print(f"  students:   http://{host}:{port}/        class code {code}")
        print(f"  instructor: http://{host}:{port}/instructor   admin code {admin}")
        print(f"  log: {out / LOG_NAME}   (Ctrl-C stops the server)", flush=True)

    return serve(session, args.host, args.port, code, admin, announce=announce)


def _host(text: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text if text != "localhost" else "127.0.0.1"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--host: must be an IP address such as 127.0.0.1 (got {text!r})") from None


def _over_seeds(p, seeds: int, seeds_help: str, seed_help: str, field: str,
                out_help: str) -> None:
    """The options of a command that runs a scenario over seeds: --seeds (default `seeds`),
    --seed (the first), --set (a field of `field`), --workers, --out."""
    p.add_argument("--seeds", type=_positive_int("--seeds", 1, 1000), default=seeds,
                   help=seeds_help)
    p.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                   help=seed_help)
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help=f"override {field} field by its dotted path")
    _where(p, 2)
    p.add_argument("--out", type=_out_dir, default=None, help=out_help)


def _where(p, workers: int) -> None:
    """Where a study's runs go (the ensemble runner): --workers local processes or a Dask
    cluster at --scheduler."""
    p.add_argument("--workers", type=_positive_int("--workers", 1, 64), default=workers,
                   help=f"local processes (default {workers})")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the Dask cluster at tcp://HOST:PORT instead")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="selloff", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="replay a generated order stream through the exchange")
    d.add_argument("--orders", type=_positive_int("--orders", 1, 50_000_000), default=1_000_000)
    d.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=0)
    d.add_argument("--out", type=_out_dir, default=None, help="also write demo.json here")
    d.set_defaults(func=cmd_demo)

    def scenario_choice(label: str):
        def parse(text: str) -> str:
            from scenarios.library.catalog import SCENARIOS

            if text not in SCENARIOS:
                raise argparse.ArgumentTypeError(
                    f"{label}: unknown {text!r}; allowed: {', '.join(SCENARIOS)}")
            return text

        return parse

    scenario_name = scenario_choice("--scenario")
    scenario_arg = scenario_choice("SCENARIO")

    f = sub.add_parser("facts", help="run a scenario and check its stylized facts against bands")
    f.add_argument("--scenario", type=scenario_name, default="baseline")
    f.add_argument("--days", type=_positive_int("--days", 1, 250), default=20,
                   help="trading days per run (default 20)")
    f.add_argument("--seeds", type=_positive_int("--seeds", 1, 1000), default=1,
                   help="number of runs, seeds SEED, SEED+1, ...")
    f.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                   help="first seed (default: the scenario's)")
    f.add_argument("--out", type=_out_dir, default="out/facts",
                   help="directory for facts.json and facts.png")
    f.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. population.noise.count=2000 "
                        "(applied after --days)")
    _where(f, 1)
    f.set_defaults(func=cmd_facts)

    fl = sub.add_parser("fields", help="list every settable field of a scenario with its type, "
                                       "value, range and meaning")
    fl.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    fl.set_defaults(func=cmd_fields)

    s = sub.add_parser("scenarios", help="list the scenarios")
    s.set_defaults(func=cmd_scenarios)

    r = sub.add_parser("run", help="run a scenario and write its summary, bars and plot")
    r.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    r.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                   help="seed (default: the scenario's, 0)")
    r.add_argument("--days", type=_positive_int("--days", 1, 250), default=None,
                   help="trading days (default: the scenario's)")
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field by its dotted path, e.g. "
                        "shocks.deepseek.size=-0.4 or population.momentum.count=2000")
    r.add_argument("--out", type=_out_dir, default=None,
                   help="output directory (default out/SCENARIO-seedN)")
    r.add_argument("--no-plot", action="store_true", help="skip price_paths.png")
    r.set_defaults(func=cmd_run)

    a = sub.add_parser("attribute", help="how much of each stock's shock-day move each "
                                         "contagion channel accounts for")
    a.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    _over_seeds(a, 3, "runs per configuration (default 3)",
                "first seed (default: the scenario's)", "a scenario",
                "output directory (default out/SCENARIO-attribution)")
    a.set_defaults(func=cmd_attribute)

    c = sub.add_parser("calibrate", help="check the deepseek scenario against Nvidia's "
                                         "27 January (exit 1 if a target is missed)")
    _over_seeds(c, 20, "number of seeds (default 20)", "first seed (default 0)", "a deepseek",
                "also write calibration.json here")
    c.set_defaults(func=cmd_calibrate)

    pr = sub.add_parser("predict", help="median moves over seeds of every stock and day from "
                                        "the shock day on (predictions, not fits)")
    pr.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    _over_seeds(pr, 20, "number of seeds (default 20)",
                "first seed (default: the scenario's)", "a scenario",
                "also write predictions.json here")
    pr.set_defaults(func=cmd_predict)

    b = sub.add_parser("batch", help="run a design of parameter points times seeds into one "
                                     "Parquet dataset (resumable)")
    b.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    b.add_argument("--seeds", type=_positive_int("--seeds", 1, 100_000), default=1,
                   help="seeds 0..N-1 for every point (default 1)")
    b.add_argument("--grid", action="append", default=[], metavar="PATH=V1,V2,...",
                   help="full factorial over these values (repeatable)")
    b.add_argument("--sample", choices=("lhs", "sobol", "morris"), default=None,
                   help="sampled design over the --range's")
    b.add_argument("--points", type=_positive_int("--points", 1, 100_000), default=None,
                   help="base points of --sample (Sobol: a power of 2; runs N*(2D+2); "
                        "Morris: trajectories, runs N*(D+1))")
    b.add_argument("--range", action="append", default=[], metavar="PATH=LO:HI",
                   help="bounds of a sampled parameter (repeatable)")
    b.add_argument("--sample-seed", type=_positive_int("--sample-seed", 0, 2**32 - 1),
                   default=0, help="seed of the sampler (default 0)")
    b.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="fixed override for every run")
    b.add_argument("--days", type=_positive_int("--days", 1, 250), default=None,
                   help="trading days per run (default: the scenario's)")
    b.add_argument("--workers", type=_positive_int("--workers", 1, 256), default=None,
                   help="local processes (default: the number of cores)")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the Dask cluster at tcp://HOST:PORT instead")
    b.add_argument("--out", default=None, help="output folder (default out/SCENARIO-batch)")
    b.add_argument("--minutes", action="store_true", help="also keep minute closes")
    b.add_argument("--force", action="store_true",
                   help="replace a different batch already in --out")
    b.add_argument("--no-plot", action="store_true", help="skip fan.png")
    b.set_defaults(func=cmd_batch)

    se = sub.add_parser("sensitivity", help="Sobol or Morris indices of a batch's outcomes")
    se.add_argument("dir", type=Path, metavar="DIR")
    se.add_argument("--outcome", action="append", default=[], metavar="EXPR",
                    help="TICKER.MEASURE@DATE, MEASURE: return, trough, gap, volume (default "
                         "NVDA's return and trough on the last day)")
    se.set_defaults(func=cmd_sensitivity)

    pl = sub.add_parser("plot", help="redraw the charts of a run or batch folder")
    pl.add_argument("dir", type=Path, metavar="DIR")
    pl.set_defaults(func=cmd_plot)
    db = sub.add_parser("dashboard", help="serve the classroom page (a browser replays a "
                                          "scenario, a twin with one channel off beside it)")
    db.add_argument("--scenario", type=scenario_name, default="deepseek",
                    help="preset the page opens with (default deepseek)")
    db.add_argument("--host", type=_host, default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only)")
    db.add_argument("--port", type=_positive_int("--port", 1024, 65535), default=8765)
    db.add_argument("--card", type=Path, default=None,
                    help="a run card JSON exported by the page: prints the link that reloads it")
    db.set_defaults(func=cmd_dashboard)
    cl = sub.add_parser("classroom", help="serve the trading floor: a class trades in the "
                                          "scenario's world beside the agents")
    cl.add_argument("scenario", type=scenario_arg, metavar="SCENARIO")
    cl.add_argument("--host", type=_host, default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only)")
    cl.add_argument("--port", type=_positive_int("--port", 0, 65535), default=8766,
                    help="port (default 8766; 0: any free port)")
    cl.add_argument("--code", default=None, help="the class code students join with "
                    "(default: random, printed)")
    cl.add_argument("--admin-code", default=None, help="the instructor's code (default: "
                    "random, printed)")
    cl.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                    help="seed (default: the scenario's)")
    cl.add_argument("--speed", default=None, metavar="MIN_PER_S",
                    help="simulated minutes per second at the start (floor.speed)")
    cl.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                    help="override a scenario field, or a floor setting floor.FIELD (e.g. "
                         "floor.cash=50000, floor.max_leverage=1; see docs/classroom_floor.md)")
    cl.add_argument("--out", type=_out_dir, default=None,
                    help="folder of the session log, debrief and exports (default "
                         "out/classroom-SCENARIO-seedN)")
    cl.set_defaults(func=cmd_classroom)
    return ap


def main(argv=None) -> int:
    """The `selloff` command: parse `argv` (default sys.argv), run, return the exit code."""
    ap = build_parser()
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:  # argparse printed a one-line usage error (exit 2) or help (0)
        return int(e.code or 0)
    if not getattr(args, "func", None):
        ap.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, argparse.ArgumentTypeError) as e:
        print(f"selloff: error: {e}", file=sys.stderr)
        return 2
    except RunFailed as e:  # a model run raised: not the user's input, but no traceback either
        print(f"selloff: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("selloff: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `selloff fields deepseek | head`: the reader left; not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())


def _entry() -> None:
    """Console-script entry point: exit with main()'s code."""
    sys.exit(main())
