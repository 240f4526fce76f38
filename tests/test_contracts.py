"""Bad input never reaches a simulation or a traceback; outputs are complete or absent, strict JSON.

Each case is a class of bad input (issue 9's "Contracts"): the command exits 2 with one line that
names the field, before anything runs, and leaves nothing behind.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from scenarios.cli import main
from scenarios.studies.outputs import check_out, staged, strict_json

TINY = ['tickers=["NVDA","MSFT"]', "population.fundamental.count=40",
        "population.momentum.count=20", "population.noise.count=80",
        "population.leveraged.count=1", "population.passive.count=1"]
DEEP = "[" * 1000 + "]" * 1000

BAD = [
    # a value of the wrong shape for a structured field
    (["--set", "shocks=[1, 2]"], "shocks: element 0 must be a shock"),
    (["--set", 'shocks=[{"size": 1}]'], "shocks"),
    (["--set", 'shocks=[{"name": "x", "day": 1}]'], "shocks: element 0 must be a shock"),
    (["--set", "shocks=3"], "shocks"),
    (["--set", "population=5"], "population"),
    (["--set", 'population.noise=[1, 2]'], "population.noise"),
    (["--set", 'shocks.deepseek={"sizee": 1}'], "shocks.deepseek.sizee: unknown field"),
    (["--set", 'shocks.deepseek={"size": "big"}'], "shocks.deepseek.size"),
    # pathological values
    (["--set", f"tickers={DEEP}"], "tickers: JSON nested deeper"),
    (["--set", 'shocks.deepseek={"size": ' + DEEP + "}"], "shocks.deepseek: JSON nested"),
    # dates: malformed, weekend, holiday, out of the calendar, running past its end
    (["--set", "start_date=tomorrow"], "start_date: must be an NYSE trading day"),
    (["--set", "start_date=2025-01-25"], "start_date: must be an NYSE trading day"),
    (["--set", "start_date=2025-01-20"], "holiday"),
    (["--set", "start_date=1999-01-04"], "outside the calendar"),
    (["--set", "start_date=2026-12-30", "--days", "5"], "start_date: 5 trading days"),
    (["--set", "start_date=7"], "start_date"),
    # a name that would leave out/
    (["--set", "name=../../x"], "name: must be"),
    (["--set", "name=a/b"], "name: must be"),
    (["--set", "name="], "name: must be"),
    # output folders
    (["--out", ""], "--out: must name a folder"),
    (["--out", "/proc/no/such/dir"], "--out: cannot write to"),
]


@pytest.mark.parametrize("extra, needle", BAD, ids=[b[1][:30] for b in BAD])
def test_bad_run_input_exits_2_with_one_line_and_leaves_nothing(extra, needle, tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "deepseek", "--days", "2"] + extra
    if "--out" not in extra:
        argv += ["--out", str(tmp_path / "o")]
    import scenarios.studies.run

    monkeypatch.setattr(scenarios.studies.run, "run", lambda *a, **k: pytest.fail("a run started"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err, err
    assert err.startswith("selloff: error: ")  # one prefix for argparse's errors and ours
    assert list(tmp_path.iterdir()) == []  # no --out folder, no ./out


def test_a_folder_with_other_files_is_never_replaced(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("mine")
    assert main(["run", "baseline", "--days", "1", "--out", str(tmp_path)]) == 2
    assert "holds files selloff did not write (thesis.tex)" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "mine"


@pytest.mark.parametrize("command", ["attribute", "facts"])
def test_seeds_beyond_the_declared_range_are_refused(command, tmp_path, capsys):
    argv = [command] + (["deepseek"] if command == "attribute" else []) + [
        "--seed", str(2**63 - 1), "--seeds", "2", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "--seed: the last seed" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_calibrate_refuses_seeds_beyond_the_range(capsys):
    assert main(["calibrate", "--seed", str(2**63 - 2), "--seeds", "3"]) == 2
    assert "--seed: the last seed" in capsys.readouterr().err


def test_a_dict_override_keeps_the_scenarios_other_values(tmp_path):
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides

    sc = get_scenario("deepseek")
    new = apply_overrides(sc, ['population.noise={"count": 200}',
                               'shocks.deepseek={"size": -0.3}'])
    assert new.population.noise.count == 200
    assert new.population.noise.dip_propensity == sc.population.noise.dip_propensity
    news = {s.name: s for s in new.shocks}["deepseek"]
    old = {s.name: s for s in sc.shocks}["deepseek"]
    assert news.size == -0.3 and news.reach == old.reach and news.day == old.day


def test_strict_json_has_no_nan_or_infinity():
    text = strict_json({"lo": float("-inf"), "x": [1.5, float("nan")], "n": 2})
    assert json.loads(text) == {"lo": None, "x": [1.5, None], "n": 2}
    assert "Infinity" not in text and "NaN" not in text


def test_every_json_a_run_writes_is_strict(tmp_path):
    out = tmp_path / "r"
    assert main(["run", "baseline", "--days", "1", "--no-plot", "--out", str(out)]
                + sum([["--set", s] for s in TINY], [])) == 0
    for f in out.glob("*.json"):
        json.loads(f.read_text(), parse_constant=lambda c, name=f.name: pytest.fail(f"{name}: {c}"))
    assert sorted(p.name for p in out.iterdir()) == ["bars.parquet", "events.json",
                                                     "summary.json"]


def test_staged_folder_is_untouched_when_the_writer_fails(tmp_path):
    out = tmp_path / "o"
    with staged(out) as d:
        (d / "summary.json").write_text("1")
    with pytest.raises(RuntimeError), staged(out) as d:
        (d / "summary.json").write_text("2")
        raise RuntimeError("killed half-way")
    assert (out / "summary.json").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["o"]


def test_check_out_accepts_our_own_folder_and_creates_nothing(tmp_path):
    ours = tmp_path / "run"
    ours.mkdir()
    (ours / "summary.json").write_text("{}")
    assert check_out(ours, ("summary.json",)) == ours
    assert check_out(tmp_path / "new" / "deeper", ("summary.json",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def _consistent(out) -> int:
    """The seed of a complete run folder; fail on a mix or a summary without its siblings."""
    names = sorted(p.name for p in out.iterdir())
    assert names == ["bars.parquet", "events.json", "summary.json"], names
    summary = json.loads((out / "summary.json").read_text())
    bars = pd.read_parquet(out / "bars.parquet")
    last = bars[bars.ticker == "NVDA"].close.iloc[-1]
    assert last == summary["tickers"]["NVDA"]["close"][-1]  # bars and summary of one run
    return summary["seed"]


@pytest.mark.slow
def test_a_run_killed_at_any_moment_leaves_the_old_folder_or_the_new_one(tmp_path):
    out = tmp_path / "o"
    argv = [sys.executable, "-m", "scenarios.cli", "run", "baseline", "--days", "1", "--no-plot",
            "--out", str(out)] + sum([["--set", s] for s in TINY], [])
    subprocess.run(argv + ["--seed", "1"], check=True, capture_output=True)
    assert _consistent(out) == 1
    seen = set()
    for delay in (0.5, 1.5, 2.2, 2.6, 3.0, 3.5, 4.5):
        p = subprocess.Popen(argv + ["--seed", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        seen.add(_consistent(out))
        assert [q.name for q in tmp_path.iterdir() if not q.name.startswith(".")] == ["o"]
    subprocess.run(argv + ["--seed", "2"], check=True, capture_output=True)
    assert _consistent(out) == 2
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".o.partial")]


@pytest.mark.parametrize("argv", [["scenarios"], ["run", "nope"], ["run", "deepseek", "--days",
                                                                      "x"]])
def test_listing_and_argument_errors_import_neither_numba_nor_mesa(argv):
    code = (f"import sys\nfrom scenarios.cli import main\nrc = main({argv!r})\n"
            "print(rc, 'numba' in sys.modules, 'mesa' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[-3:] == ["False", "False", "False"], out
