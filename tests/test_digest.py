"""Behaviour does not change under refactoring: the same scenario and seed give the same outputs.

The digests below were first recorded by running the code as it stood before the structural
refactor of issue 9 (commit f3c17d1), with `record()` at the bottom of this file. A commit that
changes them must say what changed and why. Changed since: issue 12's market makers quote around
a centre that follows public value, one tick wide in large caps (new draws, new bars); issue 12's
crash mechanisms (value traders' finite capital and risk limits, crowded fund baskets with
redemptions, return-chasing fund flows, passive flows value-weighted in dollars) change every
run's draws and trades; market makers' quotes of $60,000 a side, was $30,000 (a deeper touch:
prices no longer trail value for minutes); issue 21's expectations: value on a decomposition of
each price (agents/expectations.py), 750 theme traders, investors' conviction drawn for each,
news rows overweighted while salient, readings of the news as rows that spread (every run's
population, draws and values change); issue 20's faster loop: who arrives in a tick is drawn
from a stream of its own (the decisions' stream jumped 2^128 draws ahead) before anyone decides,
so the loop can ask for the next arrivals' data while one decides; the same Poisson law of
arrivals and the same decisions, but each draw lands on another arrival (new trades and bars;
the events are the same).

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
    ('deepseek', 12, 2): {
        "summary.json": "7c2fe6eb643f7e683f93ab81f08ebe7cf3e593b87c6c33b1251d3576755c0fc5",
        "events.json": "bae5d4f286a056b445d773fa29b5b0188400045494328c5b4e2659eeda9884a2",
        "bars": "575e2a09ca2d779f15976fb28f726a229a9a0ba63191804c11762080875f94da",
        "stdout": "84df3fa750ba449ca8e3a0a867212309a21ac8ed3bed6727b766bd2d211494ee",
    },
    ('baseline', 0, 1): {
        "summary.json": "29157f08b0952aca844dd585d00f1d9aea7b7bc4d52d2db25cc64d5a25049e9c",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "b4fc7b453b83874a0df8b526a670e947fe3ab53a5f975aca8c20fa423a93609d",
        "stdout": "e57aa4bae40990617d87c367395d27c11fba079ac0f39509a6f0744b2ab064cd",
    },
    ('deepseek', 12, None): {
        "summary.json": "86449cd2543de6c018cd151b8d8ddad5b5a828d9c206879c69e3cb0ff3c793eb",
        "events.json": "a6599c54f26adc86736530328948167634dc503c26f0bb58fe700e5d37696830",
        "bars": "c05e0175d91890d2bae5ba8265948558f9bbf52c8b46a4e87f028dcd64c5bc89",
        "stdout": "6ab2c78fd57b31e68cd88b5f1cfde2a9b9f59263cf63e9f4d494530d689a3351",
    },
    ('baseline', 0, None): {
        "summary.json": "42a361a2a0b9aaa9d9a667fa0253bc3b1729110db2fa6af152391ac2f6d21c35",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "3217cd46be80a3cf3ccf3ccd9e7265efd33ba2700d2be677868cb9299ea4475d",
        "stdout": "545c1f917ef678be4bb539891335bafcd9cf79778488435b7bcbfc4a00e8db8f",
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
