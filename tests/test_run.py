"""`selloff run`, `selloff scenarios`, `selloff attribute`: files, errors, determinism."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_POPULATION

from scenarios.cli import main
from scenarios.engine.recording import DAY
from scenarios.library.catalog import SCENARIOS, get_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = SMALL_POPULATION
TICKERS = 'tickers=["NVDA","AMD","TSM","ASML","MSFT","META","VST"]'


def sets(*extra):
    out = []
    for s in [*SMALL, TICKERS, *extra]:
        out += ["--set", s]
    return out


def test_scenarios_lists_every_scenario(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "abides_rmsc04", "deepseek", "chip_tariffs", "export_controls",
                 "taiwan_disruption", "jevons"):
        assert name in SCENARIOS and name in out
        assert SCENARIOS[name]().description in out


@pytest.mark.parametrize("argv, needle", [
    (["run", "nope"], "SCENARIO: unknown 'nope'; allowed: baseline"),
    (["run", "deepseek", "--set", "nope=1"], "nope"),
    (["run", "deepseek", "--set", "shocks.deepseek.size=-5"], "shocks.deepseek.size"),
    (["run", "deepseek", "--set", "days=abc"], "days"),
    (["run", "deepseek", "--set", "population.noise.count=-1"], "population.noise.count"),
    (["run", "deepseek", "--set", "shocks.deepseek.size"], "PATH=VALUE"),
    (["run", "deepseek", "--days", "0"], "--days: must be an integer in [1, 250]"),
    (["run", "deepseek", "--seed", "x"], "--seed"),
    (["run", "deepseek", "--out", "/proc/selloff"], "--out: cannot write"),
    (["attribute", "baseline"], "no shocks to attribute"),
    (["calibrate", "--seeds", "0"], "--seeds: must be an integer in [1, 1000] (got 0)"),
    (["calibrate", "--set", "shocks.deepseek.reach=2"], "shocks.deepseek.reach"),
])
def test_bad_input_exits_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_unwritable_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["run", "baseline", "--out", str(f)]) == 2
    assert "--out: cannot write" in capsys.readouterr().err


def test_run_writes_summary_bars_events_and_plot(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["run", "deepseek", "--days", "2", "--seed", "3", "--out", str(out),
               *sets("shocks.deepseek.reach=0.9")])
    assert rc == 0
    text = capsys.readouterr().out
    assert "close-to-close returns" in text and str(out) in text
    s = json.loads((out / "summary.json").read_text())
    assert list(s) == ["scenario", "seed", "dates", "prev_close", "tickers", "parameters"]
    assert s["scenario"] == "deepseek" and s["seed"] == 3
    assert s["dates"] == ["2025-01-24", "2025-01-27"]
    assert s["prev_close"]["NVDA"] == 142.62
    nv = s["tickers"]["NVDA"]
    assert list(nv) == ["open", "high", "low", "close", "volume"]
    assert all(len(v) == 2 for v in nv.values())
    for d in range(2):
        assert nv["low"][d] <= min(nv["open"][d], nv["close"][d])
        assert nv["high"][d] >= max(nv["open"][d], nv["close"][d])
    assert nv["close"][1] < nv["close"][0]  # the DeepSeek Monday
    assert s["parameters"]["shocks"][2]["reach"] == 0.9
    assert s["parameters"]["seed"] == 3
    bars = pd.read_parquet(out / "bars.parquet")
    assert list(bars.columns) == ["timestamp", "ticker", "open", "high", "low", "close",
                                  "volume", "trades"]
    assert len(bars) == 2 * 390 * 7
    nb = bars[bars.ticker == "NVDA"]
    assert str(nb.timestamp.iloc[0]) == "2025-01-24 09:30:00-05:00"
    assert str(nb.timestamp.iloc[-1]) == "2025-01-27 15:59:00-05:00"
    day1 = nb.iloc[390:]
    assert day1.volume.sum() == nv["volume"][1]
    assert day1.close.iloc[-1] == nv["close"][1]
    ev = json.loads((out / "events.json").read_text())
    assert [e["name"] for e in ev["events"]] == ["meta_capex", "r1_early", "deepseek"]
    png = (out / "price_paths.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def _run_in_process(out):
    cmd = [sys.executable, "-m", "scenarios.cli", "run", "deepseek", "--days", "2", "--no-plot",
           "--out", str(out), *sets()]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    return (out / "summary.json").read_bytes()


def test_same_scenario_seed_and_overrides_give_identical_summaries(tmp_path):
    a = _run_in_process(tmp_path / "a")
    b = _run_in_process(tmp_path / "b")
    assert a == b
    assert not (tmp_path / "a" / "price_paths.png").exists()  # --no-plot
    from scenarios.library.overrides import apply_overrides
    from scenarios.studies.run import run, summary_dict

    sc = apply_overrides(get_scenario("deepseek"), [*SMALL, TICKERS, "days=2"])
    here = json.dumps(summary_dict(run(sc)), indent=1) + "\n"
    assert here.encode() == a  # and this process agrees with both
    other = apply_overrides(sc, ["seed=1"])
    assert json.dumps(summary_dict(run(other)), indent=1) + "\n" != here


def test_attribute_writes_table_json_and_chart_and_resumes(tmp_path, capsys):
    out = tmp_path / "attr"
    argv = ["attribute", "deepseek", "--seeds", "1", "--workers", "1", "--out", str(out),
            *sets()]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "fundamental" in text and "NVDA" in text
    res = json.loads((out / "attribution.json").read_text())
    assert res["date"] == "2025-01-27" and res["shock_day"] == 1
    assert res["next_date"] == "2025-01-28"
    assert set(res["channels_pct"]) == {"fundamental", "informational", "fire_sale",
                                        "liquidity", "arbitrage_limits", "crowding",
                                        "fund_flows", "expectations", "theme", "overreaction",
                                        "narratives", "disagreement"}
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 14  # all on, twelve channels off, no shock
    assert "2025-01-28 (the day after)" in text
    for split in (res, res["trough"], res["next_day"]):
        for t in res["tickers"]:
            parts = (split["no_shock_pct"][t] + sum(split["channels_pct"][c][t] for c in
                     split["channels_pct"]) + split["direct_pct"][t])
            assert parts == pytest.approx(split["move_pct"][t])
    trough = res["trough"]["moves_by_config_pct"]
    assert all(trough[k][t] <= res["moves_by_config_pct"][k][t] + 1e-9
               for k in trough for t in res["tickers"])  # a low is at or below the close
    cfg = res["moves_by_config_pct"]
    # the supply network is why the foundry falls: without it TSM falls less
    assert cfg["no_fundamental"]["TSM"] > cfg["all"]["TSM"]
    assert res["move_pct"]["NVDA"] < -8
    assert (out / "attribution.png").read_bytes()[:4] == b"\x89PNG"
    stamp = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert main(argv) == 0  # resumes: every run is already there
    assert stamp == {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert json.loads((out / "attribution.json").read_text()) == res


def test_every_scenario_runs_and_fires_its_shocks():
    from scenarios.library.overrides import apply_overrides
    from scenarios.studies.run import run

    for name in SCENARIOS:
        sc = get_scenario(name)
        if name == "abides_rmsc04":
            res = run(sc)
            assert res.daily[0, 0, DAY.volume] > 0
            continue
        last = max((s.day for s in sc.shocks), default=0)
        days = min(sc.days, last + 1) if name != "jevons" else 5
        sc = apply_overrides(sc, [*SMALL, TICKERS, f"days={days}"])
        res = run(sc)
        fired = [e[2] for e in res.events]
        assert fired == [s.name for s in sorted(sc.shocks, key=lambda s: (s.day, s.minute))
                         if s.day < days], name
        assert np.all(res.daily[:, :, DAY.volume] > 0), name
