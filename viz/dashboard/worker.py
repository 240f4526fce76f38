"""A classroom run in a process of its own: ``python -m viz.dashboard.worker``.

The server (viz.dashboard.hub.RemoteRun) starts one per run and talks to it over its stdin
and stdout in length-prefixed pickles: first ``("open", card, kind, name)``, then
``("send", cmd, kw)``, ``("want", keys)``, ``("request", id, what)`` and ``("close",)``; the
worker answers ``("frame", Frame)`` for every new frame of its run and ``("reply", id, bytes)``
for a request. It ends when its run is closed, when its stdin closes, or (Linux) when the
server dies. Its own prints go to stderr (the server's log): stdout carries only messages.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import threading

__all__ = ["read_message", "write_message", "main"]


def write_message(stream, msg) -> None:
    """Write one message (any picklable object) to binary `stream` and flush it."""
    blob = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(blob)) + blob)
    stream.flush()


def read_message(stream):
    """The next message from binary `stream`, or None at its end."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<Q", head)
    blob = stream.read(n)
    if len(blob) < n:
        return None
    return pickle.loads(blob)


def main() -> int:
    """Serve one run on stdin/stdout until it is closed."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to the server's log, never into the messages
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    first = read_message(inp)
    if first is None or first[0] != "open":
        return 2
    from viz.dashboard.hub import Run, _export

    _, card, kind, name = first
    run = Run(card, kind, name)
    lock = threading.Lock()

    def send(msg):
        with lock:
            try:
                write_message(out, msg)
            except (BrokenPipeError, OSError):  # the server has gone
                run.close()

    def forward():
        seen = -1
        while True:
            f = run.wait(seen, 1.0)
            if f.version != seen:
                seen = f.version
                send(("frame", f))
            if f.closed:
                return

    fwd = threading.Thread(target=forward, daemon=True)
    fwd.start()
    while True:
        msg = read_message(inp)
        if msg is None or msg[0] == "close":
            run.close()
            break
        if msg[0] == "send":
            run.send(msg[1], **msg[2])
        elif msg[0] == "want":
            run.want("server", msg[1])
        elif msg[0] == "request":
            try:
                data = _export(run.model, msg[2])
            except Exception as e:  # an export that fails is an empty file, said in the log
                print(f"selloff dashboard: export {msg[2]!r} failed: {e}", file=sys.stderr)
                data = b""
            send(("reply", msg[1], data))
    run.join(60)
    fwd.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
