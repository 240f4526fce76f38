"""Counterfactual channels: how much of each stock's shock-day move each channel accounts for.

The scenario runs with every contagion channel on, then once with each channel off
(fundamental, informational, fire sale, liquidity), and once with no shock at all, over the same
seeds, only as far as the shock day. A channel's share of a stock's move is the mean, over seeds,
of ``move(all on) - move(channel off)``; "no shock" gives the part of the move that is ordinary
market noise. What no single channel accounts for is "direct": the shock's own hit on the firms
it is about (Nvidia's lost demand reaches Nvidia without any contagion) plus the channels'
interactions, so that ``move = no shock + channels + direct``.

Each run's result is saved as it finishes (``runs/<config>-seed<N>.json`` under the output
directory, keyed by a hash of its scenario), so an interrupted attribution resumes where it
stopped.

The same split of the day's low against the previous close is under ``"trough"``: channels that
work through order flow (fire sales, liquidity, trend following) often deepen the day's trough
more than they move its close, because value traders pull prices back toward value by then.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from agents.params import to_dict

__all__ = ["CHANNELS", "attribute", "format_table", "shock_day", "configurations"]

CHANNELS = ("fundamental", "informational", "fire_sale", "liquidity")


def shock_day(scenario) -> int:
    """The day of the scenario's largest shock (by `Shock.magnitude`), else of its first."""
    news = [s for s in scenario.shocks if getattr(s, "enabled", True)]
    if not news:
        raise ValueError(f"scenario {scenario.name!r} has no shocks to attribute")

    return max(news, key=lambda s: (s.magnitude, -s.day)).day


def configurations(scenario) -> dict[str, object]:
    """name -> scenario: all channels on, each off in turn, and no shock; run to the shock day."""
    day = shock_day(scenario)
    base = dataclasses.replace(scenario, days=day + 1)
    out = {"all": base}
    for ch in CHANNELS:
        out[f"no_{ch}"] = dataclasses.replace(
            base, channels=dataclasses.replace(base.channels, **{ch: False}))
    out["no_shock"] = dataclasses.replace(base, shocks=())
    return out


def _key(scenario, seed) -> str:
    blob = json.dumps({"s": to_dict(scenario), "seed": seed}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _one(args):
    name, scenario, seed, path = args
    from scenarios.run import run

    res = run(scenario, seed)
    day = scenario.days - 1
    r = res.close_returns()[day]
    prev = res.daily[day - 1, :, 3] if day > 0 else res.prev_close
    low = res.daily[day, :, 2] / prev - 1.0
    doc = {"key": _key(scenario, seed), "config": name, "seed": seed,
           "tickers": list(res.tickers), "move": [float(x) for x in r],
           "low": [float(x) for x in low]}
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    tmp.replace(path)
    return name, seed, np.array([r, low])


def attribute(scenario, seeds, out: Path, workers: int = 2, progress: bool = False) -> dict:
    """Run the configurations over `seeds` (resuming from `out/runs`); return the attribution."""
    out = Path(out)
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    configs = configurations(scenario)
    moves: dict[str, list] = {k: [] for k in configs}
    todo = []
    for name, sc in configs.items():
        for seed in seeds:
            p = runs / f"{name}-seed{seed}.json"
            if p.exists():
                try:
                    doc = json.loads(p.read_text())
                    if doc.get("key") == _key(sc, seed) and "low" in doc:
                        moves[name].append(np.array([doc["move"], doc["low"]]))
                        continue
                except (OSError, ValueError):
                    pass
            todo.append((name, sc, seed, p))
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="attribute", unit="run")
    if todo:
        if workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for name, _seed, r in pool.map(_one, todo):
                    moves[name].append(r)
                    if bar:
                        bar.update()
        else:
            for job in todo:
                name, _seed, r = _one(job)
                moves[name].append(r)
                if bar:
                    bar.update()
    if bar:
        bar.close()
    tickers = list(scenario.tickers)
    mean = {k: np.mean(v, axis=0) for k, v in moves.items()}  # [close, low] x stock

    def parts(m: int) -> dict:
        """Split measure m (0: close-to-close, 1: low against the previous close)."""
        contrib = {ch: mean["all"][m] - mean[f"no_{ch}"][m] for ch in CHANNELS}
        direct = mean["all"][m] - mean["no_shock"][m] - sum(contrib.values())

        def pct(a):
            return {t: 100 * float(a[j]) for j, t in enumerate(tickers)}

        return {"move_pct": pct(mean["all"][m]), "no_shock_pct": pct(mean["no_shock"][m]),
                "channels_pct": {ch: pct(contrib[ch]) for ch in CHANNELS},
                "direct_pct": pct(direct),
                "moves_by_config_pct": {k: pct(mean[k][m]) for k in mean}}

    day = shock_day(scenario)
    from scenarios.calendar import trading_dates

    return {
        "scenario": scenario.name,
        "shock_day": day,
        "date": trading_dates(scenario.start_date, day + 1)[-1],
        "seeds": list(seeds),
        "tickers": tickers,
        **parts(0),
        "trough": parts(1),
    }


def format_table(res: dict) -> str:
    """The attribution as a text table (percentage points of the shock day's return)."""
    cols = ("move", "no shock", *CHANNELS, "direct")
    head = f"{'':<6}" + "".join(f"{c[:12]:>13}" for c in cols)
    rows = [head]
    for t in res["tickers"]:
        vals = [res["move_pct"][t], res["no_shock_pct"][t],
                *(res["channels_pct"][ch][t] for ch in CHANNELS), res["direct_pct"][t]]
        rows.append(f"{t:<6}" + "".join(f"{v:>+13.2f}" for v in vals))
    return "\n".join(rows)
