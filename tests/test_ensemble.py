"""The ensemble runner: failed runs are rows, finished runs are kept and a rerun resumes, and
every study (run, batch, attribute, calibrate, predict, facts) goes through it."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL_POPULATION

from market.types import DAY
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides
from scenarios.studies import ensemble
from scenarios.studies.ensemble import (
    InlineExecutor,
    Job,
    JsonStore,
    RunFailed,
    run_ensemble,
    values,
)

SMALL = [*SMALL_POPULATION, 'tickers=["NVDA","TSM","MSFT"]', "days=2"]
REPO = Path(__file__).resolve().parents[1]
CALLS = []


def _small(name="deepseek", *sets):
    return apply_overrides(get_scenario(name), [*SMALL, *sets])


def closes_or_fail(m):
    """A measure that fails for seed 1 (the test's way of making a run raise)."""
    CALLS.append(int(m.spec.seed))
    if m.spec.seed == 1:
        raise RuntimeError("the book caught fire")
    return m.daily[:, :, DAY.close].tolist()


def closes(m):
    CALLS.append(int(m.spec.seed))
    return m.daily[:, :, DAY.close].tolist()


def _jobs(sc, seeds):
    return [Job(f"r{s}", s, s, dataclasses.replace(sc, seed=s)) for s in seeds]


def test_a_failed_run_is_a_row_and_a_rerun_does_only_what_is_missing(tmp_path):
    sc = _small("baseline", "days=1")
    store = JsonStore(tmp_path / "runs")
    CALLS.clear()
    rows = run_ensemble(_jobs(sc, [0, 1, 2]), closes_or_fail, store=store,
                        executor=InlineExecutor())
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert "RuntimeError: the book caught fire" in rows[1]["error"]
    assert rows[1]["value"] is None and rows[0]["value"] is not None
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["r0.json", "r1.json",
                                                                       "r2.json"]
    with pytest.raises(RunFailed, match="seed 1 failed .*the book caught fire"):
        values(rows)
    CALLS.clear()
    lines = []
    again = run_ensemble(_jobs(sc, [0, 1, 2, 3]), closes, store=store,
                         executor=InlineExecutor(), log=lines.append)
    assert CALLS == [1, 3]  # the failed run again and the new one; the others were kept
    assert "2 of 4 runs already done (1 failed before" in lines[0]
    assert [r["status"] for r in again] == ["ok"] * 4
    assert again[0]["value"] == rows[0]["value"]  # read back, the same value


def test_the_same_runs_give_the_same_values_on_a_pool(tmp_path):
    sc = _small("baseline", "days=1")
    inline = values(run_ensemble(_jobs(sc, [0, 1]), closes, executor=InlineExecutor()))
    pooled = values(run_ensemble(_jobs(sc, [0, 1]), closes, workers=2))
    assert inline == pooled


def test_job_ids_must_differ():
    sc = _small("baseline", "days=1")
    with pytest.raises(ensemble.EnsembleError, match="distinct"):
        run_ensemble([Job("x", 0, 0, sc), Job("x", 1, 1, sc)], closes,
                     executor=InlineExecutor())


def test_every_study_goes_through_the_ensemble_runner(tmp_path, monkeypatch, capsys):
    """Each study's runs are handed to run_ensemble (spied on): run, batch, attribute,
    calibrate, predict and facts, each on a tiny world."""
    from scenarios.cli import main

    seen = []
    real = ensemble.run_ensemble

    def spy(jobs, measure, **kw):
        jobs = list(jobs)
        seen.append((kw.get("label"), len(jobs)))
        return real(jobs, measure, **kw)

    monkeypatch.setattr(ensemble, "run_ensemble", spy)
    sets = [x for s in SMALL for x in ("--set", s)]
    one = ["--workers", "1"]
    assert main(["run", "deepseek", "--no-plot", "--out", str(tmp_path / "r"), *sets]) == 0
    assert main(["batch", "deepseek", "--seeds", "2", "--out", str(tmp_path / "b"),
                 "--no-plot", *one, *sets]) == 0
    assert main(["attribute", "deepseek", "--seeds", "1", "--out", str(tmp_path / "a"),
                 *one, *sets]) == 0
    assert main(["calibrate", "--seeds", "2", "--out", str(tmp_path / "c"), *one,
                 *sets]) in (0, 1)  # a tiny world need not meet the targets
    assert main(["predict", "deepseek", "--seeds", "2", *one, *sets]) == 0
    assert main(["facts", "--days", "1", "--out", str(tmp_path / "f"), *one, *SMALL_SETS]) == 0
    capsys.readouterr()
    labels = {label for label, _n in seen}
    assert {"run", "batch", "attribute", "calibrate", "predict", "facts"} <= labels
    assert dict(seen)["attribute"] == 14  # all on, twelve channels off, no shock: one seed


SMALL_SETS = [x for s in SMALL_POPULATION for x in ("--set", s)]


def test_a_killed_calibration_resumes_from_its_runs(tmp_path):
    """SIGKILL while `selloff calibrate --out` runs: the runs that finished are kept in
    out/runs, and the rerun says so and runs only the rest."""
    out = tmp_path / "cal"
    argv = [sys.executable, "-m", "scenarios.cli", "calibrate", "--seeds", "6", "--workers",
            "1", "--out", str(out)] + [x for s in SMALL for x in ("--set", s)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and p.poll() is None:
        done = list((out / "runs").glob("*.json")) if (out / "runs").exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    kept = {json.loads(f.read_text())["seed"] for f in (out / "runs").glob("*.json")}
    assert 2 <= len(kept) < 6
    again = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode in (0, 1), again.stderr
    assert f"{len(kept)} of 6 runs already done" in again.stderr
    assert (out / "calibration.json").exists()
    assert len(json.loads((out / "calibration.json").read_text())["per_seed"]) == 6
