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
population, draws and values change).

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
        "summary.json": "9b507bae4a047f014e2e0922824d07b3898cf88933491e98f95b05ae099cedfd",
        "events.json": "bae5d4f286a056b445d773fa29b5b0188400045494328c5b4e2659eeda9884a2",
        "bars": "8a124d847d35e1e9511896cb199763c36c3104e41c022f2d4958039f65ecfa4d",
        "stdout": "a1668a71d5f3b39941018d8b75b321953e57550dbd716470dd6c96f67e54b712",
    },
    ('baseline', 0, 1): {
        "summary.json": "944f0615e188bbda83379d94bcfa534b0db5678b3ebc322c1e417a8328120d1b",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "5ce7338f6869aac3e6d3d320fe00d725dac4449c3aa0175dd43a01974c1d69f5",
        "stdout": "32d50edb518e25ab9580395d7a58231c9ea8dfe9e3a24514a2597b77ed671516",
    },
    ('deepseek', 12, None): {
        "summary.json": "7c8061e996996b90c77d9196591c444757c90572affdf159e99ec2802787bc1b",
        "events.json": "a6599c54f26adc86736530328948167634dc503c26f0bb58fe700e5d37696830",
        "bars": "9b7b28aeb85183a2efae441db62572c138c217da71f7b0a94ba7fb04f19a6cba",
        "stdout": "4829b7d18ffd0d88a4c104b6018b058d8ae17f6487777aef3f2297d313ef2baf",
    },
    ('baseline', 0, None): {
        "summary.json": "e483071c117cf78ce9c7856e35a868742f348c1fb3b42db989d03a0a048810eb",
        "events.json": "9957dfb7276a9f6d0798250eb6a69c8a8a8749b9df70bf0786f13e8d9439aa2b",
        "bars": "e09a462591f1410f54278d4c466bf2c572d05638b0db7168194a92397feaf02d",
        "stdout": "45329fa60fc0ac43156231a0056ce2973b1119fe9c1a034a4048c403efd19705",
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
