"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were first recorded by running the code as it stood before the structural
refactor of issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that
changes them must say what changed and why. Changed since: issue 12's market makers quote around
a centre that follows public value, one tick wide in large caps (new draws, new bars); issue 12's
crash mechanisms (value traders' finite capital and risk limits, crowded fund baskets with
redemptions, return-chasing fund flows, passive flows value-weighted in dollars) change every
run's draws and trades; market makers' quotes of $60,000 a side, was $30,000 (a deeper touch:
prices no longer trail value for minutes).

What is digested, per run of `selloff run NAME --seed S [--days D] --no-plot`:
- the bytes of summary.json and events.json;
- the values of bars.parquet, not its bytes: a parquet file embeds the pyarrow and pandas versions
  that wrote it, so its bytes change with the environment while the bars do not. The frame read
  back is digested column by column (name, dtype, values; the timestamps as int64 nanoseconds,
  the tickers as strings);
- the lines `selloff run` prints (external checks read them), with the wall time masked and
  without the final `wrote ...` line (paths differ per run).
"""

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from scenarios.cli import main

# (scenario, seed, days or None for the scenario's own) -> digests (see the module docstring)
DIGESTS = {
    ("deepseek", 12, 2): {
        "summary.json": "8bf0b2f83cedc024b590fa1c84383c8238edddf992d747c1960cd978a2a74d58",
        "events.json": "716e9bdfde92e27da14a78cde6a4d54e0facfdb8d99f7b478c3b211a31f4d915",
        "bars": "bab6048ad074b7dc4e1dd1577e43ab2e14b4cc5bd4cbe5c32de6ae3767db8878",
        "stdout": "837a42454f74ff68def5cf2cc8baf47df58e1dabdcb9b75db59531379005727e",
    },
    ("baseline", 0, 1): {
        "summary.json": "b2df36cfa7caa15a3ea8e5da4613b34f504404aeee1baa6ee256568dea055302",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "e6b4a6ed533ca1c6e5e3a7b5a04295db42785661906c85596638c3a7b93de379",
        "stdout": "baf2762ce3b4a5003697fd81d50e7c8ea1c02bf7a5064fe70a5618c1e8c11059",
    },
    ("deepseek", 12, None): {
        "summary.json": "e57175f866991f89497ca946e846816293769c6eddd7b128de068ffc9d5f0d50",
        "events.json": "e8222e99fc3d6d690453baf63269b75ed0c5640d7a522d8b615c4f894bf02382",
        "bars": "568d176d49e7aeaef6fd03bd088c947048ae1acf2aa9639af551e519e40a46f2",
        "stdout": "187926bc83e307afd14ca00932b12adb391bdd9e2c69dc29cf54aa6bb613d275",
    },
    ("baseline", 0, None): {
        "summary.json": "e35208a2379365dbc6511fc67f8c5f770155951ff1e6960d39f81fd4f6bf139d",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "fa5bf8cdb66391cd65e81d6be6c1f39b3a2af775f6f554ec3268c4dc06dea231",
        "stdout": "503f34f8cdd02225fde28cb90564eb30bf9f3cbf11f58ba1f073131a630fb987",
    },
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bars_digest(path) -> str:
    """sha256 over bars.parquet's columns: name, dtype and values (independent of the writer)."""
    df = pd.read_parquet(path)
    h = hashlib.sha256()
    for col in df.columns:
        s = df[col]
        h.update(col.encode() + b"\0" + str(s.dtype).encode() + b"\0")
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            vals = s.dt.tz_convert("UTC").astype("int64").to_numpy()
        elif isinstance(s.dtype, pd.CategoricalDtype):
            vals = np.asarray("\n".join(map(str, s.astype(str))).encode())
        else:
            vals = s.to_numpy()
        h.update(np.ascontiguousarray(vals).tobytes())
    return h.hexdigest()


def stdout_digest(text: str) -> str:
    """sha256 of the printed lines, wall time masked, the `wrote` line dropped."""
    lines = [re.sub(r"^  \d+\.\d s:", "  X s:", ln) for ln in text.splitlines()
             if not ln.startswith("wrote ")]
    return _sha("\n".join(lines).encode())


def digests(name: str, seed: int, days, out, capsys=None) -> dict:
    """Run `selloff run` in-process into `out`; the digests of what it wrote and printed."""
    argv = ["run", name, "--seed", str(seed), "--no-plot", "--out", str(out)]
    if days is not None:
        argv += ["--days", str(days)]
    if capsys is not None:
        capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out if capsys is not None else ""
    return {
        "summary.json": _sha((out / "summary.json").read_bytes()),
        "events.json": _sha((out / "events.json").read_bytes()),
        "bars": bars_digest(out / "bars.parquet"),
        "stdout": stdout_digest(printed),
    }


CHEAP = [k for k in DIGESTS if k[2] is not None]
FULL = [k for k in DIGESTS if k[2] is None]


@pytest.mark.parametrize("key", CHEAP, ids=lambda k: f"{k[0]}-seed{k[1]}-days{k[2]}")
def test_digests_short_runs(key, tmp_path, capsys):
    """Two short runs (deepseek 2 days, baseline 1 day) give the recorded outputs."""
    assert digests(*key, tmp_path, capsys) == DIGESTS[key]


@pytest.mark.slow
@pytest.mark.parametrize("key", FULL, ids=lambda k: f"{k[0]}-seed{k[1]}")
def test_digests_full_runs(key, tmp_path, capsys):
    """`deepseek --seed 12` and `baseline --seed 0` at full length give the recorded outputs."""
    assert digests(*key, tmp_path, capsys) == DIGESTS[key]


def record() -> None:  # pragma: no cover - used once, by hand, to fill DIGESTS
    """Print the digests of the current code (python -c 'from tests.test_digest import record')."""
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    for key in DIGESTS:
        with tempfile.TemporaryDirectory() as d:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                argv = ["run", key[0], "--seed", str(key[1]), "--no-plot", "--out", d]
                if key[2] is not None:
                    argv += ["--days", str(key[2])]
                assert main(argv) == 0
            out = Path(d)
            got = {
                "summary.json": _sha((out / "summary.json").read_bytes()),
                "events.json": _sha((out / "events.json").read_bytes()),
                "bars": bars_digest(out / "bars.parquet"),
                "stdout": stdout_digest(buf.getvalue()),
            }
            print(key, got, flush=True)
