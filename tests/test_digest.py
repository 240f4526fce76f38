"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were first recorded by running the code as it stood before the structural
refactor of issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that
changes them must say what changed and why. Changed since: issue 12's market makers quote around
a centre that follows public value, one tick wide in large caps (new draws, new bars); issue 12's
crash mechanisms (value traders' finite capital and risk limits, crowded fund baskets with
redemptions, return-chasing fund flows, passive flows value-weighted in dollars) change every
run's draws and trades.

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
        "summary.json": "acab49ba96c57f881e0abe846f2ead9466338245a049edbb5c1c22b93fc466d5",
        "events.json": "716e9bdfde92e27da14a78cde6a4d54e0facfdb8d99f7b478c3b211a31f4d915",
        "bars": "90574028b078cdc08d67181437139a8bffe0ef6907180d3d5f8ba3b3b028a100",
        "stdout": "6eb6bd38657d590bbfde881cc7a66e02a8a344db9597f0c75b9c089b98d1d39e",
    },
    ("baseline", 0, 1): {
        "summary.json": "1b8bdf5529d415fa3787dbca2e61fa9cc2f3602d12c9663ebac8d50ba93d6e02",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "9ab5975802956d21eca88ac6a1129fc85736f6990cbb6c1d1260493616ea94f0",
        "stdout": "aedfad9fd7b4587aa51d1b5d4bcaf715a57333aed0ab6e4dc4766c94969bdb06",
    },
    ("deepseek", 12, None): {
        "summary.json": "ef7dfd647d3ca2365a9ebb9dd204be8f7747182b53c0b1ce69b7538136609569",
        "events.json": "e8222e99fc3d6d690453baf63269b75ed0c5640d7a522d8b615c4f894bf02382",
        "bars": "21861a05b1ae6098d0df481e16b5e26fc5501751003fafe2718a9e0119b15f6b",
        "stdout": "6cc609cb76a34024895ea192a288d61fb8dd5e753b2a7d411dea2b1244ee66fc",
    },
    ("baseline", 0, None): {
        "summary.json": "9a2e869e2b3fcc705735a6df50cb37fb36557af0816112c36e66356841d93047",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "bb332859c3c38c1439b0e1a3ef71f0d8b42163533afdc2e24caa6a714d9786ec",
        "stdout": "0d4bdb23acf56f93903d130515657d8dfb8ab45233c380b95940261ae480a8ed",
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
