"""Each kernel compiles once: a guard against numba specialising a callee per call site.

numba types a constant argument by its value (Literal[int](1)) and compiles a callee once per
distinct set of argument types; the agents' loop once compiled the matcher 18 times (a cold
start of four minutes). A fresh process with an empty numba cache runs a small world for a day
and counts the compilations of each kernel (numba's compile events).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = r"""
import json
from collections import Counter
from numba.core import event

seen = Counter()

class Count(event.Listener):
    def on_start(self, ev):
        f = ev.data["dispatcher"].py_func
        seen[f.__module__ + "." + f.__qualname__] += 1
    def on_end(self, ev):
        pass

event.register("numba:compile", Count())
from scenarios.library.overrides import apply_overrides
from scenarios.library.catalog import get_scenario
from scenarios.engine.model import SelloffModel

sc = apply_overrides(get_scenario("deepseek"), [
    "days=2", 'tickers=["NVDA","TSM","MSFT"]', "population.noise.count=60",
    "population.fundamental.count=40", "population.momentum.count=10",
    "population.leveraged.count=2", "population.passive.count=1"])
SelloffModel(sc, seed=3).run()
print(json.dumps(dict(seen)))
"""


def test_every_kernel_compiles_once_in_a_fresh_cache(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", CODE], env=env, cwd=ROOT, capture_output=True,
                         text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    ours = {k: v for k, v in seen.items() if k.startswith(("market.", "agents."))}
    # the loop and its dispatch over kinds live in a module generated from the registry
    # (agents.kinds.dispatch): one of each for the built-in kinds
    loops = [k for k in ours if k.startswith("agents.kinds._dispatch_")]
    assert sorted(k.rsplit(".", 1)[1] for k in loops) == ["_decide", "run_ticks"], loops
    # the loop, the matcher, the decision code: one compiled copy each
    for name in (*loops, "agents._kernels._send", "agents.kinds.fundamental.decide",
                 "agents.kinds.noise.decide", "agents.kinds.market_maker.decide",
                 "market._kernels._order", "market._kernels._take", "market._kernels._advance"):
        assert ours.get(name) == 1, (name, ours.get(name))
    # small leaves may be typed per constant (a side passed as BUY or SELL), no more
    assert max(ours.values()) <= 3, sorted(ours.items(), key=lambda kv: -kv[1])[:5]
    assert len(ours) > 20  # the cache really was empty: everything compiled here
