"""The `selloff` command line: the demo runs, bad input exits 2 with one line and no traceback."""

import json
import subprocess
import sys

import pytest

from scenarios.cli import main


def test_demo_writes_summary_and_conserves(tmp_path, capsys):
    assert main(["demo", "--orders", "20000", "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cash and shares conserved: yes" in out
    png = (tmp_path / "demo.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    summary = json.loads((tmp_path / "demo.json").read_text())
    assert summary["orders"] == 20000 and summary["fills"] > 0 and summary["conserved"] is True


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["demo", "--orders", "-5"], "--orders: must be an integer in [1, 50000000] (got -5)"),
        (["demo", "--orders", "ten"], "--orders: must be an integer"),
        (["demo", "--seed", "1.5"], "--seed: must be an integer"),
        (["demo", "--out", "/proc/no/such/dir"], "--out: cannot write to"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, needle):
    proc = subprocess.run([sys.executable, "-m", "scenarios.cli", *argv], capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
    # usage line plus exactly one error line
    assert len([ln for ln in proc.stderr.splitlines() if "error:" in ln]) == 1
