"""The debrief: what the students' trades did, against the same world without them.

After a session the same scenario and seed run again without the students (the
counterfactual: a world whose students never trade is the plain scenario, bar for bar), and,
unless the floor says otherwise, once with each contagion channel off (the channels' parts of
each stock's move over the session, as `selloff attribute` splits a day's move). They run one
after another in one background process (spawned, so the server's own thread keeps its core
and a `SIGTERM` ends it with the server), each reporting its progress.

`debrief(world, runs)` puts together what the instructor's page shows: per stock the move over
the session with the students and without them, the largest gap between the two paths, the
students' share of the volume and the agents' forced sales with and without them; who was
forced to sell (every margin call); each channel's part.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue as _queue

import numpy as np

from market import Motive
from market.types import BAR

__all__ = ["jobs_for", "run_job", "DebriefRunner", "debrief", "paths", "CHANNELS"]

#: the channels switched off one at a time (scenario.channels' fields)
CHANNELS = ("fundamental", "informational", "fire_sale", "liquidity", "arbitrage_limits",
            "crowding", "fund_flows")
_PROGRESS_EVERY = 30  # minutes between progress reports of a run


def jobs_for(scenario, channels: bool) -> list[tuple[str, object]]:
    """(name, scenario) of every run: "without_students", then "no_CHANNEL" per channel."""
    out = [("without_students", scenario)]
    if channels:
        for ch in CHANNELS:
            if hasattr(scenario.channels, ch):
                out.append((f"no_{ch}", dataclasses.replace(
                    scenario, channels=dataclasses.replace(scenario.channels, **{ch: False}))))
    return out


def run_job(scenario, seed: int, minutes: int, report=None) -> dict:
    """Step `scenario` (no students) `minutes` minutes; return its minute closes and volumes
    ([minutes, stocks], cents and shares) and the shares sold under motive `forced` per stock.
    `report(minute)` is called every few minutes."""
    from scenarios.engine.simulation import Simulation

    sim = Simulation(dataclasses.replace(scenario, seed=seed), seed)
    for g in range(minutes):
        if not sim.running:
            break
        sim.step()
        if report is not None and g % _PROGRESS_EVERY == 0:
            report(g)
    n = min(minutes, sim.bars.shape[0])
    return {"close": sim.bars[:n, :, BAR.close].copy(),
            "volume": sim.bars[:n, :, BAR.volume].copy(),
            "forced_sold": sim.motive_volume[:n, :, int(Motive.FORCED), 1].sum(axis=0),
            "prev_close": sim.prev_close0.copy()}


def _worker(jobs, seed, minutes, out_q, parent):
    """The background process: each job in turn; ("progress", name, minute), ("done", name,
    result) or ("error", name, text) on `out_q`. Ends if its parent is gone."""
    for name, scenario in jobs:
        def report(g, name=name):
            if os.getppid() != parent:
                os._exit(0)  # the server was killed: nobody reads the results
            out_q.put(("progress", name, g))

        try:
            out_q.put(("done", name, run_job(scenario, seed, minutes, report)))
        except Exception as e:  # a failed run is a line in the debrief, not the end of it
            out_q.put(("error", name, f"{type(e).__name__}: {e}"))


class DebriefRunner:
    """The debrief's runs in one spawned process; `poll()` collects what has arrived."""

    def __init__(self, scenario, seed: int, minutes: int, channels: bool):
        self.jobs = jobs_for(scenario, channels)
        self.minutes = int(minutes)
        self.results: dict[str, dict] = {}
        self.errors: dict[str, str] = {}
        self.current: tuple[str, int] | None = None
        ctx = multiprocessing.get_context("spawn")
        self._q = ctx.Queue()
        self._proc = ctx.Process(target=_worker, name="selloff-floor-debrief",
                                 args=(self.jobs, int(seed), self.minutes, self._q,
                                       os.getpid()), daemon=True)
        self._proc.start()

    @property
    def pid(self) -> int | None:
        """The background process's id."""
        return self._proc.pid

    @property
    def done(self) -> bool:
        """Every run has finished (or failed)."""
        return len(self.results) + len(self.errors) == len(self.jobs)

    def poll(self) -> bool:
        """Take in the messages that arrived; True when something new did."""
        new = False
        while True:
            try:
                kind, name, payload = self._q.get_nowait()
            except (_queue.Empty, OSError, EOFError, ValueError):
                break
            new = True
            if kind == "progress":
                self.current = (name, int(payload))
            elif kind == "done":
                self.results[name] = payload
            else:
                self.errors[name] = payload
        if not self.done and not self._proc.is_alive() and not new:
            for name, _ in self.jobs:
                if name not in self.results and name not in self.errors:
                    self.errors[name] = "the debrief process ended before this run"
            new = True
        if self.done:
            self.current = None
        return new

    def progress(self) -> dict:
        """{"total", "done", "current", "minute", "minutes"}: runs finished, the one running."""
        cur = self.current
        return {"total": len(self.jobs), "done": len(self.results) + len(self.errors),
                "current": cur[0] if cur else None, "minute": cur[1] if cur else None,
                "minutes": self.minutes}

    def stop(self) -> None:
        """End the background process (if still running) and wait for it."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._q.close()


def _moves(close, ref):
    """Per stock, the last close against `ref`, percent."""
    return (close[-1].astype(float) / ref - 1.0) * 100.0


def debrief(world, runs: dict[str, dict], errors: dict[str, str] | None = None) -> dict:
    """The debrief of `world` (a FloorWorld after its session) given the runs that have
    arrived (`run_job` results by job name). Percent and dollars; minutes count from the first
    open."""
    s0, m = world.start_minute, world.minutes_done
    tickers = list(world.tickers)
    ref = (world.prev_close0 if s0 == 0 else world.bars[s0 - 1, :, BAR.close]).astype(float)
    out = {"start_minute": s0, "end_minute": m, "tickers": tickers,
           "margin_calls": list(world.margin_calls),
           "errors": dict(errors or {})}
    if m <= s0:
        out["prices"] = {}
        return out
    with_close = world.bars[:m, :, BAR.close]
    mv = world.motive_volume[s0:m]
    student_vol = mv[:, :, int(Motive.STUDENT), 0].sum(axis=0)  # bought = sold in shares traded
    student_sold = mv[:, :, int(Motive.STUDENT), 1].sum(axis=0)
    volume = world.bars[s0:m, :, BAR.volume].sum(axis=0)
    forced_with = mv[:, :, int(Motive.FORCED), 1].sum(axis=0)
    move_with = _moves(with_close[s0:m], ref)
    base = runs.get("without_students")
    prices = {}
    for j, t in enumerate(tickers):
        row = {"move_with": round(float(move_with[j]), 3),
               "student_bought": int(student_vol[j]), "student_sold": int(student_sold[j]),
               "student_share": round(float((student_vol[j] + student_sold[j])
                                            / max(1, 2 * volume[j])), 5),
               "forced_with": int(forced_with[j])}
        if base is not None:
            bc = base["close"][s0:m, j].astype(float)
            wc = with_close[s0:m, j].astype(float)
            gap = (wc / bc - 1.0) * 100.0
            k = int(np.argmax(np.abs(gap)))
            row.update({"move_without": round(float(bc[-1] / ref[j] - 1.0) * 100.0, 3),
                        "difference": round(float(gap[-1]), 3),
                        "largest_gap": round(float(gap[k]), 3), "largest_gap_minute": s0 + k,
                        "forced_without": int(base["forced_sold"][j])})
        prices[t] = row
    out["prices"] = prices
    if base is not None:
        move_base = _moves(base["close"][s0:m], ref)
        parts = {}
        for name, res in runs.items():
            if not name.startswith("no_"):
                continue
            off = _moves(res["close"][s0:m], ref)
            parts[name[3:]] = {t: round(float(move_base[j] - off[j]), 3)
                               for j, t in enumerate(tickers)}
        out["channels"] = parts
        out["move_without"] = {t: round(float(move_base[j]), 3) for j, t in enumerate(tickers)}
    return out


def paths(world, runs: dict[str, dict], ticker: str) -> dict:
    """One stock's minute closes over the session, with the students and without them
    (dollars; `without` is null until that run has arrived)."""
    j = list(world.tickers).index(ticker)
    s0, m = world.start_minute, world.minutes_done
    base = runs.get("without_students")
    return {"ticker": ticker, "start_minute": s0,
            "with": (world.bars[s0:m, j, BAR.close] / 100).tolist(),
            "without": None if base is None else (base["close"][s0:m, j] / 100).tolist()}
