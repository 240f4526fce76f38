"""Output folders that are complete or absent, and strict JSON.

Every command that writes a folder (`selloff run`, `facts`, `attribute`, `demo`) writes it through
:func:`staged`: the files go into a hidden sibling folder, which replaces the target only once
every file is written. A SIGKILL at any moment leaves the previous folder (complete) or the new
one (complete), never a mix of two runs or a summary without its siblings; a leftover hidden
``.NAME.partial-PID`` folder is all a kill can leave behind, and the next run removes it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["OutputError", "check_out", "staged", "strict_json", "atomic_text", "RUN_FILES",
           "FACTS_FILES", "ATTRIBUTION_FILES", "CALIBRATION_FILES", "PREDICTION_FILES",
           "DEMO_FILES"]

#: what each command's folder holds; a folder holding anything else is never replaced
RUN_FILES = ("summary.json", "bars.parquet", "events.json", "price_paths.png")
#: a study's "runs" folder keeps each finished run (scenarios.studies.ensemble.JsonStore): a rerun
#: resumes from it
FACTS_FILES = ("facts.json", "facts.png", "runs")
ATTRIBUTION_FILES = ("attribution.json", "attribution.png", "runs")
CALIBRATION_FILES = ("calibration.json", "runs")
PREDICTION_FILES = ("predictions.json", "runs")
DEMO_FILES = ("demo.json", "demo.png")


class OutputError(ValueError):
    """An output folder cannot be used: the message names the option and what is allowed."""


def check_out(out: Path, ours: Iterable[str], option: str = "--out") -> Path:
    """Check, before anything runs, that `out` can become an output folder; create nothing.

    Allowed: a path that does not exist yet under a writable folder, or an existing folder that
    holds only files a selloff command writes (`ours`, plus hidden leftovers of ours), which a
    new run replaces as a whole. Anything else raises :class:`OutputError`.
    """
    text = str(out)
    if not text.strip():
        raise OutputError(f"{option}: must name a folder (got an empty path)")
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{option}: cannot write to {text!r}: it exists and is not a folder")
        foreign = sorted(p.name for p in out.iterdir()
                         if p.name not in set(ours) and not p.name.startswith(".selloff"))
        if foreign:
            raise OutputError(f"{option}: {text!r} holds files selloff did not write "
                              f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
                              "a run replaces its whole folder: pick a new or empty folder")
        if not os.access(out, os.W_OK):
            raise OutputError(f"{option}: cannot write to {text!r}")
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    try:  # access() says yes to root everywhere: make and remove a folder to know
        probe = tempfile.mkdtemp(prefix=".selloff-probe-", dir=parent)
        os.rmdir(probe)
    except OSError as e:
        raise OutputError(f"{option}: cannot write to {text!r} ({e.strerror} in "
                          f"{str(parent)!r})") from None
    return out


@contextlib.contextmanager
def staged(out: Path, keep: Iterable[str] = ()):
    """Yield a fresh hidden folder beside `out`; on success it replaces `out` as a whole.

    Entries of the old `out` named in `keep` (a resumable cache, say) move into the new one
    first. On an exception the staging folder is removed and `out` is untouched.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for old in out.parent.glob(f".{out.name}.partial-*"):
        shutil.rmtree(old, ignore_errors=True)  # a killed run's leftovers
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for name in keep:
        if (out / name).exists():
            (out / name).replace(tmp / name)
    if out.exists():
        trash = out.parent / f".{out.name}.partial-old-{os.getpid()}"
        out.replace(trash)
        tmp.replace(out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        tmp.replace(out)


def _finite(obj):
    """A copy of a JSON-like tree with NaN and infinities as None (open bounds, no value)."""
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _finite(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def strict_json(obj, indent: int | None = 1) -> str:
    """Strict JSON text (RFC 8259: no NaN or Infinity; those become null), newline-terminated."""
    return json.dumps(_finite(obj), indent=indent, allow_nan=False) + "\n"


def atomic_text(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file and a rename: whole or not at all."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)
    return path
