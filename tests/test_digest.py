"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were first recorded by running the code as it stood before the structural
refactor of issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that
changes them must say what changed and why. Changed since: issue 12's crash mechanisms (value
traders' finite capital and risk limits, crowded fund baskets with redemptions, return-chasing
fund flows, passive flows value-weighted in dollars) change every run's draws and trades.

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
        "summary.json": "d0cade71baacd4a5987392ee11f1720590ff0bf63871de33d9c5fb6dd0d6506e",
        "events.json": "716e9bdfde92e27da14a78cde6a4d54e0facfdb8d99f7b478c3b211a31f4d915",
        "bars": "92aaf6ec7c41995217e4dc8875bfe86c0af61a6b6ceaf8a3bc436050d18ab043",
        "stdout": "db94f9ef7dfc861f1589b97f30c55348ba591775154cb91f657121ba2e0380e7",
    },
    ("baseline", 0, 1): {
        "summary.json": "2d39553fae626c8187bcbb9e873973a1cadec44433f7078026ee28e6344a178b",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "90288e100b1dbb6a678787c6be92aadf6c85487a44bb03f21730c2498cffa8b2",
        "stdout": "795f76b7845ab7a9b245c61b59b9780e09f952297d2739d6e294d659a6e8923d",
    },
    ("deepseek", 12, None): {
        "summary.json": "29063afd745e4c40af126c9f6a0ec362c7ff48c0a1a47e2a7c0a1671e73e0da3",
        "events.json": "e8222e99fc3d6d690453baf63269b75ed0c5640d7a522d8b615c4f894bf02382",
        "bars": "a35b3a5e12c0923ee770126bb66cf1cd38f349238626260a03d98f0a896f98ac",
        "stdout": "0fc102145b1b64fef14377c31b1cabedaa18e9ae534a861a34c3ca0f2679d50e",
    },
    ("baseline", 0, None): {
        "summary.json": "25843952485a77ce5537001b74258fc2990613190e14422a813a632e79370ae4",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "36498fd751b823a8408c4fd06ca4de23cb5a1918aee17b348e4ae8864cd32c58",
        "stdout": "629cb07a0fa535dacaac70c858cdc699b9d647af3832be04d4e7d33c6e4d9d51",
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
