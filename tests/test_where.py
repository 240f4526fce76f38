""""Where things go" (README): a new shock, a new scenario, a new study and a new plot, each
added from this test file the way its README paragraph says, and shown to work in a tiny world.

(A new investor kind is tests/test_kinds.py.) Every world here is one day of two stocks with
the small population of tests/conftest.py, so the file runs in seconds once the kernels are
compiled.
"""

import dataclasses
import json

import numpy as np
import pytest
from conftest import SMALL_POPULATION

from agents.params import param
from market.types import BAR, DAY
from scenarios.cli import main
from scenarios.engine.simulation import Simulation
from scenarios.library import catalog
from scenarios.library.overrides import apply_overrides
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import Effect, _News
from scenarios.studies.ensemble import InlineExecutor, Job, JsonStore, run_ensemble, values
from scenarios.studies.run import run
from viz import save_png

TINY = [*SMALL_POPULATION, "days=1", 'tickers=["NVDA","MSFT"]']


def _sets(*extra):
    out = []
    for s in [*TINY, *extra]:
        out += ["--set", s]
    return out


# ---------------------------------------------------------------------------------------------
# A new shock: a frozen dataclass subclassing `Shock` (here `_News`: it is news, heard over the
# information network), fields declared with `param`, an `effect(model) -> Effect`, `magnitude`


@dataclasses.dataclass(frozen=True)
class ProfitWarning(_News):
    """One firm warns on its profits: its value by `size` (fraction), nobody else's."""

    name: str = "warning"
    firm: str = param("NVDA", choices=("NVDA", "MSFT"), doc="the firm that warns")
    size: float = param(-0.2, -0.9, 0.9, doc="change in the firm's value, fraction")

    @property
    def magnitude(self) -> float:
        """|size|: the change in the firm's value."""
        return abs(self.size)

    def effect(self, model) -> Effect:
        dv = np.zeros(len(model.universe))
        dv[model.universe.index(self.firm)] = self.size
        return Effect(dv=dv, text=f"{self.firm} warns: value {self.size:+.0%}")


def _with_warning(*overrides):
    base = apply_overrides(catalog.get_scenario("baseline"), TINY)
    sc = dataclasses.replace(base, shocks=(ProfitWarning(day=0, minute=-1, reach=1.0),))
    return apply_overrides(sc, list(overrides))  # addressed by name, like any shock


def test_a_new_shock_type_fires_in_a_run_and_moves_its_firm():
    with pytest.raises(ValueError, match=r"ProfitWarning\.size: .*got"):
        ProfitWarning(size=5.0)  # its fields are checked when it is built
    on, off = Simulation(_with_warning(), 3), Simulation(
        _with_warning("shocks.warning.enabled=false"), 3)
    assert on.spec.shocks[0].size == -0.2 and not off.spec.shocks[0].enabled
    on.run()
    off.run()
    assert on.events == [(0, -1, "warning", "ProfitWarning", "NVDA warns: value -20%")]
    assert off.events == []
    nvda, msft = on.tickers.index("NVDA"), on.tickers.index("MSFT")
    ret = {name: m.daily[0, :, DAY.close] / m.prev_close0 - 1.0
           for name, m in (("on", on), ("off", off))}
    assert ret["on"][nvda] < ret["off"][nvda] - 0.08  # the warning takes NVDA down
    assert abs(ret["on"][msft] - ret["off"][msft]) < 0.05  # and leaves MSFT about where it was


# ---------------------------------------------------------------------------------------------
# A new scenario: a `Scenario` subclass with its own defaults (name, description, days, shocks),
# found by its name in the catalogue's `SCENARIOS`


@dataclasses.dataclass(frozen=True)
class NvidiaWarning(Scenario):
    """Nvidia warns on its profits before Monday's open."""

    name: str = "nvidia_warning"
    description: str = "Nvidia warns on its profits before Monday's open."
    days: int = param(2, 1, 250, doc="trading days simulated")
    shocks: tuple = param((ProfitWarning(day=1, minute=-1, reach=1.0),),
                          doc="timed shocks, by name")


def test_a_new_scenario_runs_by_name(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(catalog.SCENARIOS, NvidiaWarning.name, NvidiaWarning)
    assert main(["scenarios"]) == 0
    assert "nvidia_warning" in capsys.readouterr().out
    out = tmp_path / "run"
    assert main(["run", "nvidia_warning", "--seed", "2", "--out", str(out), "--no-plot",
                 *_sets("days=2")]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["scenario"] == "nvidia_warning" and s["dates"] == ["2025-01-24", "2025-01-27"]
    events = (out / "events.json").read_text()
    assert "ProfitWarning" in events and "NVDA warns" in events
    nv = s["tickers"]["NVDA"]["close"]
    assert nv[1] / nv[0] - 1 < -0.08  # Monday, the day of the warning
    monkeypatch.delitem(catalog.SCENARIOS, NvidiaWarning.name)
    assert main(["run", "nvidia_warning"]) == 2  # unknown again once it is not listed


# ---------------------------------------------------------------------------------------------
# A new study: a module-level measure (finished simulation -> what the study keeps) and jobs,
# run through the one ensemble runner, each run kept in a store as it finishes

MEASURED = []


def nvda_range(sim):
    """The study's measure: Nvidia's day range (high / low - 1) and its close, per day."""
    MEASURED.append(int(sim.spec.seed))
    j = sim.tickers.index("NVDA")
    d = sim.daily[:, j, :].astype(float)
    return {"range": (d[:, DAY.high] / d[:, DAY.low] - 1).tolist(),
            "close_cents": d[:, DAY.close].tolist()}


def test_a_new_study_runs_its_measure_through_the_ensemble_runner(tmp_path):
    sc = apply_overrides(catalog.get_scenario("deepseek"), TINY)
    jobs = [Job(f"range-{s}", 0, s, dataclasses.replace(sc, seed=s)) for s in (0, 1)]
    store = JsonStore(tmp_path / "parts")
    MEASURED.clear()
    rows = run_ensemble(jobs, nvda_range, store=store, executor=InlineExecutor())
    assert MEASURED == [0, 1]
    assert [(r["run_id"], r["seed"], r["status"]) for r in rows] == [
        ("range-0", 0, "ok"), ("range-1", 1, "ok")]
    got = values(rows)
    assert all(len(v["range"]) == 1 and 0 < v["range"][0] < 0.5 for v in got)
    assert got[0] != got[1]  # two seeds, two runs
    # the measure saw the same numbers a plain run of that seed gives
    res = run(sc, seed=1)
    assert got[1]["close_cents"] == [float(res.daily[0, res.tickers.index("NVDA"), DAY.close])]
    assert sorted(p.name for p in store.folder.iterdir()) == ["range-0.json", "range-1.json"]
    MEASURED.clear()
    again = run_ensemble(jobs, nvda_range, store=store, executor=InlineExecutor(),
                         log=lambda s: None)
    assert MEASURED == [] and values(again) == got  # kept: a rerun measures nothing


# ---------------------------------------------------------------------------------------------
# A new plot: a function in viz/ taking a run's results and a path, drawn with viz.pyplot and
# written with viz.save_png (as viz/paths.py does)


def plot_volume(res, path):
    """Shares traded each minute, one panel per stock, from a run's RunResult."""
    from viz import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(len(res.tickers), 1, figsize=(6, 1.5 * len(res.tickers)),
                             sharex=True, squeeze=False)
    for ax, j in zip(axes[:, 0], range(len(res.tickers)), strict=True):
        ax.bar(np.arange(res.bars.shape[0]), res.bars[:, j, BAR.volume], width=1.0,
               color="tab:blue")
        ax.set_title(res.tickers[j], fontsize=8, loc="left")
    fig.tight_layout()
    return save_png(fig, path)


def test_a_new_plot_draws_a_runs_results_into_a_png(tmp_path):
    import matplotlib.image as mpimg

    res = run(apply_overrides(catalog.get_scenario("baseline"), TINY), seed=0)
    assert res.bars[:, :, BAR.volume].sum() > 0
    path = plot_volume(res, tmp_path / "volume.png")
    assert path == tmp_path / "volume.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(path)
    assert img.shape[:2] == (330, 660)  # 6 x 3 inches at save_png's 110 dpi
    rgb = img[..., :3]
    blue = np.all(np.abs(rgb - np.array([0.122, 0.467, 0.706])) < 0.03, axis=-1)
    assert blue.mean() > 0.01  # the bars are there (tab:blue), not just the axes
    assert not (tmp_path / "volume.tmp.png").exists()
