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
the events are the same); value traders' risk budgets on a daily volatility estimate rolled at
each open, withdrawn makers quoting again when the book's spread is wider than theirs, and
attention 3.5 (was 1.5): a risk budget on the last minutes' quote variance fed on the bid-ask
bounce of the book its own cuts thinned (new trades from the first open; the events are the
same).

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
        "summary.json": "ae04f782baac641de553ce1a26f87bc547b5b7639fa5cd77e86efc98e0935e9b",
        "events.json": "bae5d4f286a056b445d773fa29b5b0188400045494328c5b4e2659eeda9884a2",
        "bars": "d44f18a3828d72d90c38c1d9b9d9abcac01792842e1f30df59bb3f4236dae723",
        "stdout": "5198e238548938ed995eec7eb6f248dfa2840fce00b1289ef73b87a86127a963",
    },
    ('baseline', 0, 1): {
        "summary.json": "a25233ea2de9011ebadd1f2c457ac53c316d6f88db15514ca2001f1564f77574",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "b4fc7b453b83874a0df8b526a670e947fe3ab53a5f975aca8c20fa423a93609d",
        "stdout": "e57aa4bae40990617d87c367395d27c11fba079ac0f39509a6f0744b2ab064cd",
    },
    ('deepseek', 12, None): {
        "summary.json": "d60cc920f6bdd5206d3b44aae92c143156961eb76594e507643746a762046ced",
        "events.json": "a6599c54f26adc86736530328948167634dc503c26f0bb58fe700e5d37696830",
        "bars": "a0619369e748223f9498fc4bfc5f32584034274967bbedbbbdcad7ce7f334d43",
        "stdout": "e1395f26f6889668b5798230142ed4fbd636acc960028d6d59b47bd2b4c85688",
    },
    ('baseline', 0, None): {
        "summary.json": "b7e346077748ce21f18f502ac6a9d2614a18624d29f9668a97e6cd330cad93b3",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "61fbc61741977745637145453ece1978f8cf3486723984214d129427521b5116",
        "stdout": "a9fe736fe18b1a5e37302af8788ac8d9e395e4d3d1590ca8293f859f876d2800",
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
