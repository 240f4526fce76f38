"""The session log: the seed and every student action with the minute it entered, one JSON line
each, flushed and fsync'ed as it happens (a server killed at any moment loses nothing that
reached the world).

Lines (``session.jsonl``):

- ``{"type": "session", "version": 1, "scenario", "seed", "sets", "floor", "parameters"}``
  starts a segment (a reset starts another): the scenario by name and its ``--set``
  overrides, the floor's settings, and the scenario's parameters to check a replay against;
- ``{"type": "join", "minute", "student", "name"}``: an account opened before that minute;
- ``{"type": "order", "minute", "id", "student", "ticker", "side", "order_type", "qty",
  "price"}`` (order_type "market" or "limit"; price in cents, null for a market order) and
  ``{"type": "cancel", "minute", "id", "student"}``: actions entered at the start of that
  minute, in the order they entered;
- ``{"type": "control", "action", "minute", ...}``: the instructor's controls, for the record
  (they pace the clock and change nothing in the world);
- ``{"type": "end", "minute"}``: the session stopped after that many minutes.

Minutes count from the first simulated open (day d's minute m is d * 390 + m).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

__all__ = ["SessionLog", "read_segments", "LOG_VERSION", "LogError"]

LOG_VERSION = 1


class LogError(ValueError):
    """A session log that cannot be replayed: the message names the line and the field."""


class SessionLog:
    """Appends lines to `path` (created with its folder), each flushed and fsync'ed."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        """Append one record as a JSON line and push it to disk before returning."""
        line = json.dumps(record, separators=(",", ":"), allow_nan=False)
        with self._lock:
            if self._fh.closed:
                return
            self._fh.write(line + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file (later writes are dropped: the session is over)."""
        with self._lock:
            self._fh.close()


def read_segments(path) -> list[list[dict]]:
    """The log's segments (a header and the lines after it), oldest first.

    A last line cut off by a kill mid-write is dropped; any other unreadable line raises
    LogError naming it.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    segments: list[list[dict]] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) and not text.endswith("\n"):
                break  # a line the kill interrupted
            raise LogError(f"{path}: line {i}: not JSON") from None
        if not isinstance(rec, dict) or "type" not in rec:
            raise LogError(f"{path}: line {i}: type: missing")
        if rec["type"] == "session":
            segments.append([rec])
        elif not segments:
            raise LogError(f"{path}: line {i}: the log must start with a session line")
        else:
            segments[-1].append(rec)
    if not segments:
        raise LogError(f"{path}: no session in the log")
    return segments
