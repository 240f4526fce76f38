"""Counterfactual channels: how much of each stock's shock-day move each channel accounts for.

The scenario runs with every contagion channel on, then once with each channel off (fundamental,
informational, fire sale, liquidity; the crash mechanisms: limits to arbitrage, crowding, fund
flows; what the market priced: expectations, theme traders; beliefs after the news:
overreaction, narratives, disagreement), and once with no shock at all, over the same seeds, as
far as the day after the shock day (where the scenario has one). A channel's share of a stock's
move is the mean, over seeds, of ``move(all on) - move(channel off)``; "no shock" gives the part
of the move that is ordinary market noise. What no single channel accounts for is "direct": the
shock's own hit on the firms it is about (Nvidia's lost demand reaches Nvidia without any
contagion) plus the channels' interactions, so that ``move = no shock + channels + direct``.

Each run's result is saved as it finishes (``runs/<run id>.json`` under the output directory,
the id a hash of its scenario and seed), so an interrupted attribution resumes where it
stopped.

The same split of the day's low against the previous close is under ``"trough"``: channels that
work through order flow (fire sales, liquidity, trend following) often deepen the day's trough
more than they move its close, because value traders pull prices back toward value by then.
The split of the next day's close-to-close return is under ``"next_day"``: a channel that
pushed prices past value on the shock day (forced selling, scarce arbitrage capital) shows there
with the opposite sign, as the pressure reverts.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

import numpy as np

from agents.params import to_dict
from market.types import DAY

__all__ = ["CHANNELS", "MEASURES", "attribute", "format_table", "shock_day", "configurations"]

CHANNELS = ("fundamental", "informational", "fire_sale", "liquidity", "arbitrage_limits",
            "crowding", "fund_flows", "expectations", "theme", "overreaction", "narratives",
            "disagreement")
#: the measures split: the shock day's close, its low, the next day's close (each against the
#: close before it)
MEASURES = ("close", "trough", "next_day")


def shock_day(scenario) -> int:
    """The day of the scenario's own shock, the one named like the scenario (`deepseek` in the
    DeepSeek week), whatever its channels: a counterfactual with a channel off is about the same
    day. A scenario without one: the day of its largest shock, the one that moves a simulated
    stock's value most (its effect on a fresh world, scenarios.engine.world.value_context), or,
    among shocks that move no value (flows, liquidity), the largest by `Shock.magnitude`; ties
    go to the first."""
    from scenarios.engine.world import value_context

    news = [s for s in scenario.shocks if getattr(s, "enabled", True) and s.day < scenario.days]
    if not news:
        raise ValueError(f"scenario {scenario.name!r} has no shocks to attribute")
    own = [s for s in news if s.name == scenario.name]
    if own:
        return own[0].day
    idx = None

    def size(sh):
        nonlocal idx
        ctx = value_context(scenario)  # fresh firms: an effect changes them
        if idx is None:
            idx = [ctx.universe.index(t) for t in scenario.tickers]
        dv = sh.effect(ctx).dv
        return (1, float(np.max(np.abs(dv[idx])))) if dv is not None else (0, sh.magnitude)

    return max(news, key=lambda s: (*size(s), -s.day)).day


def configurations(scenario) -> dict[str, object]:
    """name -> scenario: all channels on, each off in turn, and no shock; run to the day after
    the shock day (to the shock day if the scenario ends there)."""
    day = shock_day(scenario)
    base = dataclasses.replace(scenario, days=min(scenario.days, day + 2))
    out = {"all": base}
    for ch in CHANNELS:
        out[f"no_{ch}"] = dataclasses.replace(
            base, channels=dataclasses.replace(base.channels, **{ch: False}))
    out["no_shock"] = dataclasses.replace(base, shocks=())
    return out


def _key(scenario, seed) -> str:
    blob = json.dumps({"s": to_dict(scenario), "seed": seed}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _moves(m, day: int) -> dict:
    """The measure of one run: each stock's close-to-close move on `day`, its low against the
    previous close, and the next day's move (NaN where there is none); fractions."""
    from scenarios.studies.run import result_of

    res = result_of(m)
    rets = res.close_returns()
    prev = res.daily[day - 1, :, DAY.close] if day > 0 else res.prev_close
    low = res.daily[day, :, DAY.low] / prev - 1.0
    nxt = rets[day + 1] if day + 1 < res.daily.shape[0] else np.full(rets.shape[1], np.nan)
    return {"tickers": list(res.tickers), "move": rets[day].tolist(), "low": low.tolist(),
            "next": nxt.tolist()}


def attribute(scenario, seeds, out: Path, workers: int = 2, progress: bool = False,
              scheduler: str | None = None) -> dict:
    """Run the configurations over `seeds` through the ensemble runner (each run kept in
    `out/runs` as it finishes, so an interrupted attribution resumes); return the
    attribution."""
    from scenarios.studies.ensemble import Job, JsonStore, run_ensemble, values

    out = Path(out)
    configs = configurations(scenario)
    day = shock_day(scenario)
    jobs = [Job(_key(sc, seed), name, seed, dataclasses.replace(sc, seed=seed))
            for name, sc in configs.items() for seed in seeds]
    rows = run_ensemble(jobs, functools.partial(_moves, day=day), store=JsonStore(out / "runs"),
                        workers=workers, scheduler=scheduler, progress=progress,
                        label="attribute")
    moves: dict[str, list] = {k: [] for k in configs}
    for r, v in zip(rows, values(rows), strict=True):
        nxt = [np.nan if x is None else x for x in v["next"]]  # strict JSON kept NaN as null
        moves[r["point"]].append(np.array([v["move"], v["low"], nxt], float))
    tickers = list(scenario.tickers)
    mean = {k: np.mean(v, axis=0) for k, v in moves.items()}  # [close, low, next] x stock

    def parts(m: int) -> dict:
        """Split measure m (0: close-to-close, 1: low against the previous close, 2: the next
        day's close-to-close)."""
        contrib = {ch: mean["all"][m] - mean[f"no_{ch}"][m] for ch in CHANNELS}
        direct = mean["all"][m] - mean["no_shock"][m] - sum(contrib.values())

        def pct(a):  # None where there is no next day
            return {t: None if np.isnan(a[j]) else 100 * float(a[j])
                    for j, t in enumerate(tickers)}

        return {"move_pct": pct(mean["all"][m]), "no_shock_pct": pct(mean["no_shock"][m]),
                "channels_pct": {ch: pct(contrib[ch]) for ch in CHANNELS},
                "direct_pct": pct(direct),
                "moves_by_config_pct": {k: pct(mean[k][m]) for k in mean}}

    from scenarios.engine.calendar import trading_dates

    dates = trading_dates(scenario.start_date, min(scenario.days, day + 2))
    out = {
        "scenario": scenario.name,
        "shock_day": day,
        "date": dates[day],
        "next_date": dates[day + 1] if day + 1 < len(dates) else None,
        "seeds": list(seeds),
        "tickers": tickers,
        **parts(0),
        "trough": parts(1),
    }
    if out["next_date"] is not None:
        out["next_day"] = parts(2)
    return out


#: column heads of the text table (12 characters at most)
_HEADS = {"fundamental": "fundamental", "informational": "inform.", "fire_sale": "fire sale",
          "liquidity": "liquidity", "arbitrage_limits": "arb. limits", "crowding": "crowding",
          "fund_flows": "fund flows", "expectations": "expectation", "theme": "theme",
          "overreaction": "overreact.", "narratives": "narratives",
          "disagreement": "disagree."}


def format_table(res: dict, measure: str = "close") -> str:
    """The attribution as a text table (percentage points): `measure` is "close" (the shock
    day's return), "trough" (its low against the previous close) or "next_day"."""
    split = res if measure == "close" else res[measure]
    chans = [c for c in CHANNELS if c in split["channels_pct"]]
    cols = ("move", "no shock", *(_HEADS[c] for c in chans), "direct")
    head = f"{'':<6}" + "".join(f"{c[:12]:>13}" for c in cols)
    rows = [head]
    for t in res["tickers"]:
        vals = [split["move_pct"][t], split["no_shock_pct"][t],
                *(split["channels_pct"][ch][t] for ch in chans), split["direct_pct"][t]]
        rows.append(f"{t:<6}" + "".join(f"{v:>+13.2f}" for v in vals))
    return "\n".join(rows)
