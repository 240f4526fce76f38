"""The `selloff` command line.

Bad input (a value out of range, a wrong type, an unwritable path) exits with code 2 and one line
naming the problem and what is allowed; never a traceback.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

__all__ = ["main"]


class UsageError(ValueError):
    """Bad command-line input: the message is one line that names the field and what is allowed."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the problem and where to look), exit code 2."""

    def error(self, message):
        message = re.sub(r"argument (\S+): \1:", r"\1:", message)  # the name once
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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
    p = Path(text)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / ".selloff-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise argparse.ArgumentTypeError(
            f"--out: cannot write to {text!r} ({e.strerror})") from None
    return p


def cmd_demo(args) -> int:
    """Replay a generated order stream through the engine; print what it did and how fast."""
    import numpy as np
    from tqdm import tqdm

    from market import Exchange, MarketRules, match_stream
    from market.streams import random_stream

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
        path = args.out / "demo.json"
        path.write_text(json.dumps(summary, indent=2) + "\n")
        png = args.out / "demo.png"
        from viz.demo import plot_engine_demo as _plot_demo
        _plot_demo(stream, fills, ex, png)
        print(f"  wrote {path} and {png}")
    return 0


def cmd_facts(args) -> int:
    """Run a scenario over seeds; print the stylized facts per stock against their bands."""
    import dataclasses

    from agents.params import ParamError, apply_overrides
    from scenarios.catalog import get_scenario
    from scenarios.facts import BAND_ORDER, BAND_SHORT, check_scenario, format_table, run_facts

    sc = get_scenario(args.scenario)
    try:
        sc = apply_overrides(sc, [f"days={args.days}"] + list(args.set or []))
    except ParamError as e:
        raise UsageError(f"--set {e}") from None
    check_scenario(sc)
    seed0 = sc.seed if args.seed is None else args.seed
    seeds = [seed0 + i for i in range(args.seeds)]
    if seeds[-1] > 2**63 - 1:
        raise UsageError(f"--seed: seed + seeds - 1 must be <= {2**63 - 1} (got {seeds[-1]})")
    sc = dataclasses.replace(sc, seed=seed0)
    print(f"selloff facts: scenario {sc.name}, {sc.days} days, {len(sc.tickers)} stocks, "
          f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}")
    res = run_facts(sc, seeds, args.out, progress=sys.stderr.isatty())
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

    from agents.params import ParamError, apply_overrides
    from scenarios.catalog import get_scenario

    sc = get_scenario(name)
    try:
        sc = apply_overrides(sc, ([f"days={days}"] if days is not None else []) + list(sets))
    except ParamError as e:
        raise UsageError(f"--set {e}") from None
    if seed is not None:
        sc = dataclasses.replace(sc, seed=seed)
    return sc


def cmd_scenarios(args) -> int:
    """List the scenarios with their days, shocks and one-line descriptions."""
    from scenarios.catalog import SCENARIOS

    for name, cls in SCENARIOS.items():
        sc = cls()
        shocks = ", ".join(s.name for s in sc.shocks) or "none"
        print(f"{name:<18} {sc.days:>2} days  {sc.description}")
        print(f"{'':<18} shocks: {shocks}")
    print("\nrun one: selloff run NAME [--seed N] [--days N] [--set PATH=VALUE] [--out DIR]")
    return 0


def cmd_run(args) -> int:
    """Run a scenario; write summary.json, bars.parquet, events.json and price_paths.png."""
    sc = _scenario_with(args.scenario, args.seed, args.days, args.set or [])
    out = args.out if args.out is not None else _out_dir(f"out/{sc.name}-seed{sc.seed}")
    from scenarios.run import daily_returns, run, write_outputs

    print(f"selloff run: {sc.name}, seed {sc.seed}, {sc.days} day{'s' if sc.days > 1 else ''}, "
          f"{len(sc.tickers)} stocks, {len(sc.shocks)} shock{'s' if len(sc.shocks) != 1 else ''}")
    res = run(sc, progress=sys.stderr.isatty())
    print(f"  {res.wall_s:.1f} s: {res.decisions:,} decisions, {res.orders:,} orders, "
          f"{int(res.bars[..., 5].sum()):,} trades, {len(res.halts)} halts")
    for d, m, name, _k, text in res.events:
        when = "before the open" if m < 0 else f"{9 + (30 + m) // 60:02d}:{(30 + m) % 60:02d}"
        print(f"  {res.dates[d]} {when}: {name}: {text}")
    print("\nclose-to-close returns, percent:")
    print(daily_returns(res))
    files = write_outputs(res, out)
    if not args.no_plot:
        from viz.paths import plot_price_paths

        files["plot"] = plot_price_paths(res, out / "price_paths.png")
    print("\nwrote " + ", ".join(str(p) for p in files.values()))
    return 0


def cmd_attribute(args) -> int:
    """Channels on and off over seeds: what share of each stock's shock-day move each explains."""
    from scenarios.attribute import attribute, format_table

    sc = _scenario_with(args.scenario, None, None, args.set or [])
    if not sc.shocks:
        raise UsageError(f"scenario: {sc.name!r} has no shocks to attribute; pick one of the "
                         "scenarios with shocks (selloff scenarios)")
    seed0 = sc.seed if args.seed is None else args.seed
    seeds = [seed0 + i for i in range(args.seeds)]
    out = args.out if args.out is not None else _out_dir(f"out/{sc.name}-attribution")
    print(f"selloff attribute: {sc.name}, seeds {', '.join(map(str, seeds))}: all channels on, "
          "each off in turn, and no shock")
    res = attribute(sc, seeds, out, workers=args.workers, progress=sys.stderr.isatty())
    print(f"\n{res['date']} (day {res['shock_day']}): close-to-close move and its parts, "
          "percentage points, mean over seeds")
    print(format_table(res))
    path = out / "attribution.json"
    path.write_text(json.dumps(res, indent=1) + "\n")
    from viz.attribution import plot_attribution

    png = plot_attribution(res, out / "attribution.png")
    print(f"\nwrote {path} and {png}")
    return 0


def cmd_calibrate(args) -> int:
    """Run deepseek to 27 January over seeds; report Nvidia's day against its targets."""
    from scenarios.calibration import format_report, measure, verdicts

    sc = _scenario_with("deepseek", None, None, args.set or [])
    seed0 = sc.seed if args.seed is None else args.seed
    seeds = list(range(seed0, seed0 + args.seeds))
    print(f"selloff calibrate: deepseek to 27 January, seeds {seeds[0]}..{seeds[-1]}, "
          "Nvidia's 27 January against its targets (medians over seeds)")
    stats = measure(sc, seeds, workers=args.workers)
    print(format_report(stats))
    v = verdicts(stats)
    if args.out:
        path = args.out / "calibration.json"
        path.write_text(json.dumps({"seeds": seeds, "per_seed": stats, "verdicts": v},
                                   indent=1) + "\n")
        print(f"wrote {path}")
    return 0 if all(r["pass"] for r in v.values()) else 1


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
            from scenarios.catalog import SCENARIOS

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
    f.set_defaults(func=cmd_facts)

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
    a.add_argument("--seeds", type=_positive_int("--seeds", 1, 1000), default=3,
                   help="runs per configuration (default 3)")
    a.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                   help="first seed (default: the scenario's)")
    a.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field by its dotted path")
    a.add_argument("--out", type=_out_dir, default=None,
                   help="output directory (default out/SCENARIO-attribution)")
    a.add_argument("--workers", type=_positive_int("--workers", 1, 64), default=2,
                   help="processes (default 2)")
    a.set_defaults(func=cmd_attribute)

    c = sub.add_parser("calibrate", help="check the deepseek scenario against Nvidia's "
                                         "27 January (exit 1 if a target is missed)")
    c.add_argument("--seeds", type=_positive_int("--seeds", 1, 1000), default=20,
                   help="number of seeds (default 20)")
    c.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=None,
                   help="first seed (default 0)")
    c.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a deepseek field by its dotted path")
    c.add_argument("--workers", type=_positive_int("--workers", 1, 64), default=2,
                   help="processes (default 2)")
    c.add_argument("--out", type=_out_dir, default=None, help="also write calibration.json here")
    c.set_defaults(func=cmd_calibrate)
    return ap


def main(argv=None) -> int:
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
    except KeyboardInterrupt:
        print("selloff: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())


def _entry() -> None:
    """Console-script entry point: exit with main()'s code."""
    sys.exit(main())
