"""What the trading-floor tests share: their small world, a session served on loopback, and a
plain HTTP client that sends exactly the bytes it is given (urllib, no retries, no magic).

The world is conftest's SMALL_POPULATION over deepseek's first two days; the session's clock
runs so slowly (0.05 simulated minutes a second) that the tests move it themselves, with
{"action": "step"} while paused, and wait for the minute by polling: nothing depends on how
fast this machine is.
"""

from __future__ import annotations

import http.client
import json
import time

from conftest import SMALL_POPULATION

from scenarios.floor import floor_with
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides

CODE, ADMIN = "CLASS-1234", "ADMIN-secret-99"
SEED = 7


def small_sets(days: int = 2, *sets: str) -> list[str]:
    """The --set list of the small deepseek world: `days` days, then `sets`."""
    return [*SMALL_POPULATION, f"days={days}", *sets]


def small_deepseek(days: int = 2, *sets: str):
    """deepseek with the small population, `days` days and `sets` applied."""
    return apply_overrides(get_scenario("deepseek"), small_sets(days, *sets))


def slow_floor(*sets: str):
    """The floor's defaults at 0.05 min/s (the tests step the clock), with `sets`."""
    return floor_with(["floor.speed=0.05", "floor.debrief_channels=false", *sets])


class Client:
    """HTTP/1.1 to host:port; `call` returns (status, decoded JSON or text, headers)."""

    def __init__(self, host: str, port: int, token: str | None = None):
        self.host, self.port, self.token = host, port, token

    def raw(self, method: str, path: str, body: bytes | None = None, headers=None):
        """Send exactly `body` with exactly `headers` (plus Host); return (status, bytes,
        headers)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None and not any(k.lower() == "content-length"
                                            for k in (headers or {})):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                conn.send(body)
            r = conn.getresponse()
            return r.status, r.read(), dict(r.getheaders())
        finally:
            conn.close()

    def call(self, method: str, path: str, doc=None, token: str | None = "default",
             headers=None):
        """A JSON request with the client's token (token=None: none; a string: that one)."""
        h = dict(headers or {})
        tok = self.token if token == "default" else token
        if tok is not None:
            h["Authorization"] = f"Bearer {tok}"
        body = None
        if doc is not None:
            body = json.dumps(doc).encode()
            h.setdefault("Content-Type", "application/json")
        status, data, hdrs = self.raw(method, path, body, h)
        ctype = hdrs.get("Content-Type", "")
        return status, (json.loads(data) if ctype.startswith("application/json")
                        else data.decode()), hdrs

    def join(self, name: str, code: str = CODE) -> Client:
        """A client with the token `name` gets by joining with `code`."""
        status, doc, _ = self.call("POST", "/api/join", {"name": name, "code": code},
                                   token=None)
        assert status == 200, doc
        return Client(self.host, self.port, doc["token"])


def wait_for(cond, seconds: float = 60.0, what: str = "a condition"):
    """Poll `cond()` until it returns something truthy; return it (AssertionError after
    `seconds`: a hung server fails the test rather than hanging it)."""
    t = time.monotonic()
    while time.monotonic() - t < seconds:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def minute(c: Client) -> int:
    return c.call("GET", "/api/market")[1]["minute"]


def step(admin: Client, n: int = 1) -> int:
    """Step the paused session n minutes; return the minute reached (waits for it)."""
    m0 = minute(admin)
    st, doc, _ = admin.call("POST", "/api/control", {"action": "step", "minutes": n})
    assert st == 200, doc
    return wait_for(lambda: minute(admin) >= m0 + n and minute(admin), what=f"minute {m0 + n}")
