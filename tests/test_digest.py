"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were first recorded by running the code as it stood before the structural
refactor of issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that
changes them must say what changed and why. Changed since: issue 12's market makers quote around
a centre that follows public value, one tick wide in large caps (new draws, new bars).

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

# (scenario, seed, days or None for the scenario's own) -> digests (see the docstring)
DIGESTS = {
    ("deepseek", 12, 2): {
        "summary.json": "520af39191d323290de9685b141f06572cd19ec1be58922792fd314ceb79a4c3",
        "events.json": "716e9bdfde92e27da14a78cde6a4d54e0facfdb8d99f7b478c3b211a31f4d915",
        "bars": "186800be442b5803c95538e4f418b16630dabfb248caa2475b3a3f7f7a9b6485",
        "stdout": "76ab12980754b55dd31da925dc0e5e6e37f9e63df4217a9cda6bed745227dac7",
    },
    ("baseline", 0, 1): {
        "summary.json": "d2f050c42116bd861fed2c7915655c7d74a84dcf5b8b9995dfdb38b4b79cbb53",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "e5ad474626e84325c5b5866d201977459c2149cd1439c34bdb1e488d3bd89cb4",
        "stdout": "22736e47b23c17859332d68c8ccc7d9e804b98416b0a7b545a8415c62289ca1f",
    },
    ("deepseek", 12, None): {
        "summary.json": "658be496a88b3358ccc09561e99f51578ee1d2ba26ab27c72bbe5c5f37b65afa",
        "events.json": "e8222e99fc3d6d690453baf63269b75ed0c5640d7a522d8b615c4f894bf02382",
        "bars": "fb28065aa371948ac4d56bbd8a29d3a6fd55788aa08bdc837e80798a66b4a99b",
        "stdout": "aa9482ada093af7b2de4bc3a43c73689e8694104ca3515e45362d70aca6364d3",
    },
    ("baseline", 0, None): {
        "summary.json": "65550479d9bff3ec004671e3f93fd22c3d8c14557fa7c26dec755bdf62b6c0b5",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "e27bffc6402d5147ec93593ad428345b3d2dc1f6d74f3e78f09b941442841fdf",
        "stdout": "eb6e957eb681f7fe11336b696dd6e65209d64c46cb62a1598c815b796f954bda",
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
