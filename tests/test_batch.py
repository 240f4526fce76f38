"""Batches: designs, the dataset contract, resume after a kill, failures, Dask, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_POPULATION

from scenarios.cli import main
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import describe
from scenarios.studies.batch import (
    BatchError,
    grid_design,
    load_batch,
    run_batch,
    sample_design,
)

#: a small world: each two-day run takes well under a second once compiled
SMALL = [*SMALL_POPULATION, 'tickers=["NVDA","AMD","TSM","MSFT"]']
REPO = Path(__file__).resolve().parents[1]


def test_small_world_paths_exist():
    paths = {p for p, _v, _a in describe(get_scenario("deepseek"))}
    for s in SMALL + ["shocks.deepseek.size=0", "shocks.deepseek.reach=0",
                      "shocks.deepseek.jevons_share=0"]:
        assert s.split("=")[0] in paths


# ------------------------------------------------------------------------------------ designs


def test_grid_is_the_full_factorial():
    d = grid_design({"a.x": [1, 2, 3], "b.y": [0.1, 0.2], "c": [True, False]})
    assert d.shape == (12, 3)
    assert list(d.columns) == ["a.x", "b.y", "c"]
    assert len(d.drop_duplicates()) == 12
    assert sorted(set(d["a.x"])) == [1, 2, 3]


def test_lhs_is_within_ranges_and_stratified():
    ranges = {"p": (-0.4, -0.1), "q": (0.2, 1.0), "r": (10.0, 20.0)}
    n = 25
    d = sample_design("lhs", ranges, n, seed=3)
    assert d.shape == (n, 3)
    for k, (lo, hi) in ranges.items():
        assert d[k].between(lo, hi).all()
        strata = np.floor((d[k].to_numpy() - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))  # one point in each of the n strata


def test_sobol_counts_and_bounds():
    ranges = {"p": (0.0, 1.0), "q": (5.0, 6.0), "r": (-1.0, 0.0)}
    d = sample_design("sobol", ranges, 8)
    assert len(d) == 8 * (2 * 3 + 2)
    for k, (lo, hi) in ranges.items():
        assert d[k].between(lo, hi).all()
    with pytest.raises(BatchError, match="--points"):
        sample_design("sobol", ranges, 6)


def test_morris_counts_levels_and_one_at_a_time_steps():
    ranges = {"p": (0.0, 1.0), "q": (10.0, 20.0)}
    d = sample_design("morris", ranges, 5, seed=1)
    assert len(d) == 5 * (2 + 1)
    for k, (lo, hi) in ranges.items():
        levels = np.round((d[k] - lo) / (hi - lo) * 3, 9)
        assert set(levels) <= {0.0, 1.0, 2.0, 3.0}  # four levels
    x = d.to_numpy().reshape(5, 3, 2)
    changed = (np.abs(np.diff(x, axis=1)) > 0).sum(axis=2)
    assert (changed == 1).all()  # each step of a trajectory moves one parameter


@pytest.mark.parametrize("bad", [
    lambda: sample_design("halton", {"p": (0, 1)}, 4),
    lambda: sample_design("lhs", {"p": (1, 1)}, 4),
    lambda: sample_design("lhs", {"p": (0, 1)}, 0),
    lambda: sample_design("lhs", {}, 4),
    lambda: grid_design({"p": []}),
])
def test_bad_designs_raise(bad):
    with pytest.raises(BatchError):
        bad()


def test_every_value_is_validated_before_anything_runs(tmp_path):
    out = tmp_path / "b"
    d = pd.DataFrame({"shocks.deepseek.size": [-0.2, 5.0]})  # 5.0 is out of range
    with pytest.raises(BatchError, match=r"point 1: shocks\.deepseek\.size"):
        run_batch("deepseek", d, 2, out, days=1, sets=SMALL, workers=1)
    assert not out.exists()


# --------------------------------------------------------------------------- dataset contract


def test_batch_daily_equals_selloff_run(tmp_path):
    sets = SMALL + ["shocks.deepseek.reach=0.8"]
    res = run_batch("deepseek", grid_design({"shocks.deepseek.size": [-0.1, -0.35]}), [4],
                    tmp_path / "b", days=2, sets=sets, workers=1)
    assert list(res.runs.columns[:6]) == ["run_id", "point", "seed", "status", "error",
                                          "wall_s"]
    assert res.runs["shocks.deepseek.size"].dtype == np.float64
    assert (res.runs["status"] == "ok").all()
    assert list(res.daily.columns) == ["run_id", "date", "ticker", "open", "high", "low",
                                       "close", "volume", "return"]
    row = res.runs[res.runs["shocks.deepseek.size"] == -0.35].iloc[0]
    rc = main(["run", "deepseek", "--seed", "4", "--days", "2", "--no-plot",
               "--out", str(tmp_path / "r"), *[a for s in sets for a in ("--set", s)],
               "--set", "shocks.deepseek.size=-0.35"])
    assert rc == 0
    summ = json.loads((tmp_path / "r" / "summary.json").read_text())
    mine = res.daily[res.daily["run_id"] == row["run_id"]]
    assert len(mine) == 2 * 4
    for t, v in summ["tickers"].items():
        m = mine[mine["ticker"] == t].sort_values("date")
        assert list(m["date"].dt.strftime("%Y-%m-%d")) == summ["dates"]
        for col in ("open", "high", "low", "close", "volume"):
            assert list(m[col]) == v[col], (t, col)
        prev = [summ["prev_close"][t], v["close"][0]]
        assert list(m["return"]) == [v["close"][i] / prev[i] - 1 for i in range(2)]
    # and the read-back files hold the same
    again = load_batch(tmp_path / "b")
    pd.testing.assert_frame_equal(again.daily, res.daily)
    meta = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert meta["design"]["columns"] == ["shocks.deepseek.size"] and meta["seeds"] == [4]


def test_a_run_that_raises_is_a_failed_row_and_the_batch_goes_on(tmp_path, monkeypatch):
    from scenarios.engine.simulation import Simulation

    real = Simulation.run

    def flaky(self, progress=False):
        if next(s for s in self.spec.shocks if s.name == "deepseek").reach == 0.5:
            raise RuntimeError("the book caught fire")
        return real(self, progress)

    # the inline executor runs in this process, through the ensemble runner's one run
    monkeypatch.setattr(Simulation, "run", flaky)
    design = grid_design({"shocks.deepseek.reach": [0.4, 0.5, 0.6]})
    res = run_batch("deepseek", design, 2, tmp_path / "b", days=1, sets=SMALL, workers=1)
    assert len(res.runs) == 6
    bad = res.runs[res.runs["status"] == "failed"]
    assert sorted(bad["seed"]) == [0, 1] and set(bad["point"]) == {1}
    assert bad["error"].str.contains("RuntimeError: the book caught fire").all()
    assert (res.runs.loc[res.runs["status"] == "ok", "error"] == "").all()
    assert set(res.daily["run_id"]) == set(res.runs.loc[res.runs["status"] == "ok", "run_id"])
    # a rerun tries the failed runs again and keeps each run once
    monkeypatch.setattr(Simulation, "run", real)
    lines = []
    res2 = run_batch("deepseek", design, 2, tmp_path / "b", days=1, sets=SMALL, workers=1,
                     log=lines.append)
    assert (res2.runs["status"] == "ok").all() and len(res2.runs) == 6
    assert res2.runs["run_id"].is_unique
    assert "4 of 6 runs already done" in lines[0] and "2 failed before" in lines[0]


def test_a_different_design_is_refused_unless_forced(tmp_path):
    out = tmp_path / "b"
    run_batch("deepseek", grid_design({"shocks.deepseek.size": [-0.2]}), 1, out, days=1,
              sets=SMALL, workers=1)
    other = grid_design({"shocks.deepseek.size": [-0.3]})
    with pytest.raises(BatchError, match="--force"):
        run_batch("deepseek", other, 1, out, days=1, sets=SMALL, workers=1)
    res = run_batch("deepseek", other, 1, out, days=1, sets=SMALL, workers=1, force=True)
    assert list(res.runs["shocks.deepseek.size"]) == [-0.3]


_KILLED_SCRIPT = """
import sys
from scenarios.studies.batch import grid_design, run_batch
SMALL = {small!r}
if __name__ == "__main__":
    run_batch("deepseek", grid_design({{"shocks.deepseek.size": [-0.1, -0.2, -0.3]}}), 4,
              sys.argv[1], days=2, sets=SMALL, workers=2)
"""


def test_resume_after_sigkill_of_the_batch(tmp_path):
    out = tmp_path / "b"
    script = tmp_path / "batch_script.py"
    script.write_text(textwrap.dedent(_KILLED_SCRIPT.format(small=SMALL)))
    proc = subprocess.Popen([sys.executable, str(script), str(out)], cwd=REPO,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    parts = out / "parts"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = [p for p in parts.glob("*.parquet")] if parts.exists() else []
            if len(done) >= 3:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, mid-run
        proc.wait()
    res = load_batch(out)
    n = len(res.runs)
    assert 3 <= n < 12, n
    assert res.runs["run_id"].is_unique and (res.runs["status"] == "ok").all()
    counts = res.daily.groupby("run_id").size()
    assert set(counts.index) == set(res.runs["run_id"]) and (counts == 2 * 4).all()
    lines = []
    res2 = run_batch("deepseek", grid_design({"shocks.deepseek.size": [-0.1, -0.2, -0.3]}), 4,
                     out, days=2, sets=SMALL, workers=1, log=lines.append)
    assert f"{n} of 12 runs already done" in lines[0]
    assert len(res2.runs) == 12 and res2.runs["run_id"].is_unique
    assert set(res.runs["run_id"]) <= set(res2.runs["run_id"])
    assert (res2.daily.groupby("run_id").size() == 8).all()


# -------------------------------------------------------------------------------------- Dask


def test_dask_cluster_with_a_worker_killed_mid_batch(tmp_path):
    distributed = pytest.importorskip("distributed")
    from scenarios.studies.batch import dask_executor

    design = grid_design({"shocks.deepseek.size": [-0.15, -0.3]})
    local = run_batch("deepseek", design, 4, tmp_path / "local", days=2, sets=SMALL, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        client, ex = dask_executor(cluster.scheduler_address)
        try:
            pids = list(client.run(os.getpid).values())
            out = tmp_path / "dask"
            box = {}

            def go():
                try:
                    box["res"] = run_batch("deepseek", design, 4, out, executor=ex, workers=2,
                                           days=2, sets=SMALL)
                except BaseException as e:  # noqa: BLE001 - reported below
                    box["err"] = e

            th = threading.Thread(target=go)
            th.start()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and th.is_alive():
                if (out / "parts").exists() and any((out / "parts").glob("*.parquet")):
                    break
                time.sleep(0.02)
            n_at_kill = len(list((out / "parts").glob("*.parquet")))
            os.kill(pids[0], signal.SIGKILL)  # one worker dies mid-batch
            th.join(300)
            assert pids[0] not in client.run(os.getpid).values()
        finally:
            client.close()
    assert "err" not in box, box.get("err")
    assert n_at_kill < 8  # the kill came before the end
    res = box["res"]
    assert len(res.runs) == 8 and (res.runs["status"] == "ok").all()
    assert res.runs["run_id"].is_unique
    a = local.daily.sort_values(["run_id", "date", "ticker"]).reset_index(drop=True)
    b = res.daily.sort_values(["run_id", "date", "ticker"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)  # same seeds, same numbers as local processes


# --------------------------------------------------------------------------------------- Mesa


def test_mesa_batch_run_works_on_our_model():
    import mesa

    from scenarios.studies.batch import MesaBatchModel

    params = {"scenario": "deepseek", "days": 2, "seed": 2,
              "shocks.deepseek.size": [-0.05, -0.45],
              **{s.split("=")[0]: s.split("=")[1] for s in SMALL if "tickers" not in s},
              "tickers": '["NVDA","AMD","TSM","MSFT"]'}
    rows = mesa.batch_run(MesaBatchModel, parameters=params, iterations=1, max_steps=10_000,
                          number_processes=1, data_collection_period=-1,
                          display_progress=False)
    assert len(rows) == 2
    last = {r["shocks.deepseek.size"]: r["NVDA"] for r in rows}
    assert last[-0.45] < last[-0.05]  # the bigger news leaves Nvidia lower


# ---------------------------------------------------------------------------------------- CLI


def _cli(tmp_path, argv, capsys):
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    return rc, err


BAD = [
    (["--grid", "shocks.deepseek.nonsense=1,2"], "--grid"),
    (["--grid", "shocks.deepseek.size=-0.2,7"], "shocks.deepseek.size"),
    (["--grid", "shocks.deepseek.size"], "--grid"),
    (["--grid", "shocks.deepseek.size=-0.2,,-0.3"], "--grid"),
    (["--sample", "lhs", "--points", "4", "--range", "shocks.deepseek.size=-0.1:-0.3"],
     "--range"),
    (["--sample", "lhs", "--points", "4", "--range", "shocks.deepseek.size=a:b"], "--range"),
    (["--sample", "lhs", "--points", "4", "--range", "shocks.deepseek.size=-3:-0.1"],
     "shocks.deepseek.size"),
    (["--sample", "lhs", "--points", "0", "--range", "shocks.deepseek.size=-0.3:-0.1"],
     "--points"),
    (["--sample", "lhs", "--points", "200000"], "--points"),
    (["--sample", "sobol", "--points", "6", "--range", "shocks.deepseek.size=-0.3:-0.1",
      "--range", "shocks.deepseek.reach=0.2:0.9"], "--points"),
    (["--sample", "lhs", "--range", "shocks.deepseek.size=-0.3:-0.1"], "--points"),
    (["--points", "4"], "--sample"),
    (["--sample", "halton", "--points", "4"], "--sample"),
    (["--set", "population.nobody.count=3"], "--set"),
    (["--set", "population.noise.count=-5"], "population.noise.count"),
    (["--seeds", "0"], "--seeds"),
    (["--days", "0"], "--days"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers"),
    (["--workers", "0"], "--workers"),
    (["--scheduler", "nonsense"], "--scheduler"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler"),
]


@pytest.mark.parametrize("extra,field", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_cli_bad_batch_input_exits_2_naming_the_field(tmp_path, capsys, extra, field):
    out = tmp_path / "out"
    rc, err = _cli(tmp_path, ["batch", "deepseek", "--days", "1", "--out", str(out), *extra],
                   capsys)
    assert rc == 2
    assert len(err.splitlines()) == 1 and field in err and "Traceback" not in err
    assert not out.exists()  # nothing left behind


def test_cli_batch_resume_refuse_sensitivity_and_plot(tmp_path, capsys):
    out = tmp_path / "b"
    sets = [a for s in SMALL for a in ("--set", s)]
    base = ["batch", "deepseek", "--days", "2", "--seeds", "1", "--workers", "1",
            "--out", str(out), *sets, "--sample", "morris", "--points", "2",
            "--range", "shocks.deepseek.size=-0.3:-0.1", "--range",
            "shocks.deepseek.jevons_share=0:0.3"]
    assert main(base) == 0
    assert (out / "fan.png").stat().st_size > 10_000
    capsys.readouterr()
    assert main(base) == 0
    assert "6 of 6 runs already done" in capsys.readouterr().out
    other = [a.replace("-0.3:-0.1", "-0.4:-0.1") for a in base]
    assert main(other) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["sensitivity", str(out), "--outcome", "NVDA.return@2025-01-27"]) == 0
    sens = json.loads((out / "sensitivity.json").read_text())
    ind = sens["outcomes"]["NVDA.return@2025-01-27"]
    assert set(ind) >= {"shocks.deepseek.size", "shocks.deepseek.jevons_share"}
    assert all(ind[k]["mu_star"] >= 0 for k in sens["parameters"])
    for bad, field in ((["--outcome", "NVDA.return@2025-02-27"], "date"),
                       (["--outcome", "XYZ.return@2025-01-27"], "ticker"),
                       (["--outcome", "NVDA.mood@2025-01-27"], "measure"),
                       (["--outcome", "nonsense"], "--outcome")):
        assert main(["sensitivity", str(out), *bad]) == 2
        assert field in capsys.readouterr().err
    assert main(["sensitivity", str(tmp_path / "nothing")]) == 2
    (out / "fan.png").unlink()
    assert main(["plot", str(out)]) == 0 and (out / "fan.png").exists()
    assert main(["plot", str(tmp_path)]) == 2


def test_cli_plot_redraws_a_run_folder(tmp_path):
    r = tmp_path / "r"
    sets = [a for s in SMALL for a in ("--set", s)]
    assert main(["run", "baseline", "--days", "1", "--out", str(r), *sets]) == 0
    first = (r / "price_paths.png").read_bytes()
    (r / "price_paths.png").unlink()
    assert main(["plot", str(r)]) == 0
    assert (r / "price_paths.png").read_bytes() == first


def test_sobol_indices_find_the_parameter_that_matters(tmp_path):
    from scenarios.studies.sensitivity import analyze

    # on the first day the DeepSeek news (day 1) has not fired: its size cannot matter there
    ranges = {"dynamics.vol_scale": (0.3, 3.0), "shocks.deepseek.size": (-0.4, -0.1)}
    design = sample_design("sobol", ranges, 4)
    res = run_batch("deepseek", design, [1], tmp_path / "s", days=1, sets=SMALL, workers=1)
    sens = analyze(res, ["NVDA.return@2025-01-24"])
    ind = sens["outcomes"]["NVDA.return@2025-01-24"]
    assert ind["shocks.deepseek.size"]["ST"] == 0.0 and ind["shocks.deepseek.size"]["S1"] == 0.0
    assert ind["dynamics.vol_scale"]["ST"] > 0.25  # exactly 0 for a parameter without effect
    assert np.isfinite(ind["dynamics.vol_scale"]["ST_conf"])
