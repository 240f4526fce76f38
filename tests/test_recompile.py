"""Editing a called kernel recompiles its caller (market/_cache.py's project stamp).

numba keys a cache on the caller's own file only; without the stamp, a caller in agents/ would
keep running a market/ callee's old machine code after the callee's file changed. In a temporary
copy of the two packages: a caller in agents/ calls a kernel in market/compiled.py; run it (the
cache fills), edit the callee, run again in a fresh process with the same cache.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CALLEE = "\n\n@njit(cache=True)\ndef probe_value():\n    return {}\n"
CALLER = """from numba import njit

from market import compiled


@njit(cache=True)
def caller():
    return compiled.probe_value() * 10
"""
RUN = ("from agents._probe import caller; "
       "print(caller(), sum(caller.stats.cache_hits.values()))")


def _run(root: Path, cache: Path) -> str:
    env = {"NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", RUN], env=env, cwd=root, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def test_editing_a_called_kernel_recompiles_its_caller(tmp_path):
    root = tmp_path / "copy"
    for pkg in ("market", "agents"):
        shutil.copytree(ROOT / pkg, root / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    compiled = root / "market" / "compiled.py"
    source = compiled.read_text()
    compiled.write_text(source + CALLEE.format(1))
    (root / "agents" / "_probe.py").write_text(CALLER)
    cache = tmp_path / "cache"
    assert _run(root, cache) == ["10", "0"]  # compiled: the cache was empty
    assert _run(root, cache) == ["10", "1"]  # loaded from the cache, not compiled
    compiled.write_text(source + CALLEE.format(2))  # edit the callee only
    assert _run(root, cache) == ["20", "0"]  # the caller recompiled: its code follows
