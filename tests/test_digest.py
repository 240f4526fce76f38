"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were recorded by running the code as it stood before the structural refactor of
issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that changes them
must say what changed and why.

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

# (scenario, seed, days or None for the scenario's own) -> digests, from commit f3c17d1
DIGESTS = {
    ("deepseek", 12, 2): {
        "summary.json": "697d7f5a65bc8b1f396108b9c8b433b8c360bee6dbf718e6a2b6adb3f165ff99",
        "events.json": "716e9bdfde92e27da14a78cde6a4d54e0facfdb8d99f7b478c3b211a31f4d915",
        "bars": "bd43c17df76c8949ea8d14488a1b0dbe4d3bd8016eaead89f26b4b7725bb8f2e",
        "stdout": "395e16d27776fb5ccf1301e9f0a9bdbe6e00ab8cd8df8ec434a2ca904ae5f105",
    },
    ("baseline", 0, 1): {
        "summary.json": "f4491ec55a5fba302c925eba50cecd44af0d22dcfdfcda6d739d3d2b55811e92",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "442498c336e5c092fc338656c2378bfc3316de988ad1cbd633c72e235fe76919",
        "stdout": "afdc0cec252fcd1629057450918ad13aaa66176f1c4f5da3890782cd1c0653b3",
    },
    ("deepseek", 12, None): {
        "summary.json": "80a6f7923ea1e78737e7d84477dd65eaa87944ae6d443fdffab87dd65de200b1",
        "events.json": "e8222e99fc3d6d690453baf63269b75ed0c5640d7a522d8b615c4f894bf02382",
        "bars": "3e597a6445b3a851c9aaa6861b0fae4cc319c88f4e9cca14f0d09e4d4a8d320d",
        "stdout": "81d40d7dc9369c545edbe54c426c1cbc493fe38196f741267d6cdd46c87870a2",
    },
    ("baseline", 0, None): {
        "summary.json": "b6e789d8390bf70ef58013da8cbb25eb3cbcc40d768c824376a5a46877a4617b",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "32f2fdb600fa3daf1d7d3f80899fe64c8b391000761c00ec57d1048f1a0d13a3",
        "stdout": "2a009daf11d8aded2d6629162558b048bf3c096fbb8f2a73260f46b7df2960a9",
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
