"""The `selloff` command line.

Bad input (a value out of range, a wrong type, an unwritable path) exits with code 2 and one line
naming the problem and what is allowed; never a traceback.
"""

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["main"]


class UsageError(ValueError):
    """Bad command-line input: the message is one line that names the field and what is allowed."""


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
        print(f"  wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="selloff", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="replay a generated order stream through the exchange")
    d.add_argument("--orders", type=_positive_int("--orders", 1, 50_000_000), default=1_000_000)
    d.add_argument("--seed", type=_positive_int("--seed", 0, 2**63 - 1), default=0)
    d.add_argument("--out", type=_out_dir, default=None, help="also write demo.json here")
    d.set_defaults(func=cmd_demo)
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
    except (UsageError, ValueError) as e:
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
