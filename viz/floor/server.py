"""The trading floor's HTTP server: the JSON API and the two pages, on the standard library.

`http.server.ThreadingHTTPServer` (a thread per connection, HTTP/1.1 keep-alive): the API is a
handful of small JSON documents read from the session's snapshot, so a framework would add a
dependency (and an event loop beside the world's thread) for nothing the class needs, and the
standard library lets every byte of a bad request be answered on our terms (sizes, content
types, methods). Requests never step the world: they read the latest snapshot or enqueue under
the session's lock (scenarios.floor.session).

Errors are JSON, ``{"error": message, "field": name or null}``: 400 a bad value (the field
named), 401 no or an unknown token, 403 a wrong class code or a request the token may not make,
404 an unknown path or order, 405 a method the path does not take, 411 a body without a length,
413 a body over 4 KiB, 415 a body that is not JSON, 429 too many wrong codes from one address.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from scenarios.floor.orders import FloorError, Forbidden, UnknownOrder

__all__ = ["FloorServer", "Principal", "MAX_BODY", "make_server", "new_code", "new_admin_code"]

MAX_BODY = 4096  #: bytes of a request body
_DRAIN_MAX = 1 << 20  # a refused body up to this size is read and dropped before the answer
STATIC = Path(__file__).with_name("static")
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed by hand
_CODE = re.compile(r"[A-Za-z0-9_-]{4,64}")
_MAX_FAILS = 20  # wrong codes from one address in _FAIL_WINDOW seconds before 429
_FAIL_WINDOW = 60.0
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_PAGES = {"/": "student.html", "/student": "student.html", "/instructor": "instructor.html"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def new_code() -> str:
    """A random class code: 8 characters a teacher can read aloud (31^8, about 10^12)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_admin_code() -> str:
    """A random instructor code (16 URL-safe characters, 96 bits)."""
    return secrets.token_urlsafe(12)


def check_code(option: str, code: str) -> str:
    """A class or admin code given on the command line: 4-64 letters, digits, _ or -."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValueError(f"{option}: must be 4 to 64 letters, digits, _ or - (got {code!r})")
    return code


class Principal:
    """Who a token belongs to: a student (their index) or the instructor."""

    __slots__ = ("role", "student", "name")

    def __init__(self, role: str, student: int | None, name: str):
        self.role, self.student, self.name = role, student, name


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, headers=None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"field {k!r} given twice")
        out[k] = v
    return out


def decode_json(raw: bytes):
    """Strict JSON: UTF-8, no NaN or Infinity, no repeated keys (ValueError otherwise)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at character {e.pos})") from None


class FloorServer(ThreadingHTTPServer):
    """The server of one FloorSession; `codes` = (class code, admin code)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, session, code: str, admin_code: str):
        self.session = session
        self.code, self.admin_code = code, admin_code
        self.tokens: dict[str, Principal] = {}
        self._fails: dict[str, deque] = {}
        self._lock = threading.Lock()
        super().__init__(address, FloorHandler)

    def issue(self, role: str, student: int | None, name: str) -> str:
        """A new random token (256 bits) for a principal."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = Principal(role, student, name)
        return token

    def principal(self, token: str) -> Principal | None:
        """Whose token this is (None: nobody's)."""
        with self._lock:
            return self.tokens.get(token)

    def failed(self, ip: str) -> bool:
        """Count a wrong code from `ip`; True when it has sent too many lately."""
        now = time.monotonic()
        with self._lock:
            q = self._fails.setdefault(ip, deque())
            while q and now - q[0] > _FAIL_WINDOW:
                q.popleft()
            q.append(now)
            return len(q) > _MAX_FAILS

    def blocked(self, ip: str) -> bool:
        """Whether `ip` sent too many wrong codes in the last minute."""
        now = time.monotonic()
        with self._lock:
            q = self._fails.get(ip)
            return bool(q) and sum(now - t <= _FAIL_WINDOW for t in q) > _MAX_FAILS


class FloorHandler(BaseHTTPRequestHandler):
    """One request: route, authenticate, answer JSON or a static file."""

    protocol_version = "HTTP/1.1"
    server_version = "selloff-floor"
    sys_version = ""
    timeout = 30  # seconds a connection may stay silent (a slow client ties up one thread)
    server: FloorServer

    # routes: (pattern, {method: handler name})
    ROUTES = (
        (re.compile(r"/api/join"), {"POST": "join"}),
        (re.compile(r"/api/market"), {"GET": "market"}),
        (re.compile(r"/api/book/(?P<ticker>[^/]{1,16})"), {"GET": "book"}),
        (re.compile(r"/api/history/(?P<ticker>[^/]{1,16})"), {"GET": "history"}),
        (re.compile(r"/api/orders"), {"GET": "orders", "POST": "place"}),
        (re.compile(r"/api/orders/(?P<id>[^/]{1,40})"), {"DELETE": "cancel"}),
        (re.compile(r"/api/me"), {"GET": "me"}),
        (re.compile(r"/api/leaderboard"), {"GET": "leaderboard"}),
        (re.compile(r"/api/control"), {"POST": "control"}),
        (re.compile(r"/api/session"), {"GET": "session"}),
        (re.compile(r"/api/debrief"), {"GET": "debrief"}),
        (re.compile(r"/api/debrief/(?P<ticker>[^/]{1,16})"), {"GET": "debrief_paths"}),
        (re.compile(r"/api/export/fills\.csv"), {"GET": "export_fills"}),
        (re.compile(r"/api/export/leaderboard\.csv"), {"GET": "export_leaderboard"}),
        (re.compile(r"/static/(?P<name>[a-z_]{1,40}\.(?:js|css|svg))"), {"GET": "static"}),
        (re.compile(r"/|/student|/instructor"), {"GET": "page"}),
    )

    def setup(self):
        """The connection's socket without Nagle's delay: a response's headers and body are
        two writes, and with Nagle the second waited for the client's delayed ACK (40 ms)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        """Quiet: a class's polling would flood the terminal."""

    # -- dispatch ---------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802 (the stdlib's names)
        """GET requests."""
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        """POST requests."""
        self._dispatch("POST")

    def do_DELETE(self):  # noqa: N802
        """DELETE requests."""
        self._dispatch("DELETE")

    def do_PUT(self):  # noqa: N802
        """PUT: no path takes it (405 or 404)."""
        self._dispatch("PUT")

    def do_PATCH(self):  # noqa: N802
        """PATCH: no path takes it (405 or 404)."""
        self._dispatch("PATCH")

    def do_HEAD(self):  # noqa: N802
        """HEAD: no path takes it (405 or 404, without a body)."""
        self._dispatch("HEAD")

    def do_OPTIONS(self):  # noqa: N802
        """OPTIONS: no cross-origin use; 405 or 404."""
        self._dispatch("OPTIONS")

    def _dispatch(self, method: str) -> None:
        self._drained = False  # one handler serves every request of a keep-alive connection
        try:
            parts = urlsplit(self.path)
            path = parts.path
            self.query = parse_qs(parts.query, max_num_fields=8)
            for pattern, methods in self.ROUTES:
                m = pattern.fullmatch(path)
                if m is None:
                    continue
                if method not in methods:
                    allow = ", ".join(methods)
                    self._drain_body()
                    raise _HTTPError(405, f"{path} takes {allow}, not {method}",
                                     headers={"Allow": allow})
                getattr(self, "api_" + methods[method])(**m.groupdict())
                self._drain_body()  # a body nobody asked for (a GET's): keep the stream whole
                return
            self._drain_body()
            raise _HTTPError(404, f"no such path: {path[:80]}")
        except _HTTPError as e:
            self._drain_body()
            self._error(e.status, e.message, e.field, e.headers)
        except UnknownOrder as e:
            self._drain_body()
            self._error(404, str(e), e.field)
        except Forbidden as e:
            self._drain_body()
            self._error(403, str(e), e.field)
        except FloorError as e:
            self._drain_body()
            self._error(400, str(e), e.field)
        except ValueError as e:  # e.g. parse_qs's field limit
            self._drain_body()
            self._error(400, str(e), None)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- plumbing ------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, ctype: str, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, doc, status: int = 200) -> None:
        body = doc if isinstance(doc, bytes) else json.dumps(
            doc, separators=(",", ":"), allow_nan=False).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status: int, message: str, field, headers=None) -> None:
        doc = {"error": message, "field": field}
        body = json.dumps(doc).encode()
        try:
            self._send(status, body, "application/json; charset=utf-8", headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drain_body(self) -> None:
        """Read and drop the body (once) so the connection stays usable; a body over
        _DRAIN_MAX bytes, or one without a length, closes the connection instead."""
        if getattr(self, "_drained", False):
            return
        self._drained = True
        n = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return
        if n is None:
            return
        try:
            n = int(n)
        except ValueError:
            self.close_connection = True
            return
        if n > MAX_BODY:
            self.close_connection = True  # answered, then closed: nothing more is read
        if n > _DRAIN_MAX:
            return
        while n > 0:  # read what the client sent, so closing does not reset the connection
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            n -= len(chunk)

    def _body(self):
        """The request's JSON body (411, 413, 415, 400 otherwise)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise _HTTPError(411, "body: send it with a Content-Length (no chunked encoding)")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        length = self.headers.get("Content-Length")
        if length is None:
            raise _HTTPError(411, "body: a JSON body with a Content-Length is required")
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise _HTTPError(400, "Content-Length: must be a whole number of bytes") from None
        if n > MAX_BODY:
            self._drain_body()
            raise _HTTPError(413, f"body: at most {MAX_BODY} bytes (got {n})")
        self._drained = True
        raw = self.rfile.read(n) if n else b""
        if ctype != "application/json":
            raise _HTTPError(415, f"Content-Type: must be application/json (got "
                             f"{ctype or 'none'!r})")
        try:
            return decode_json(raw)
        except ValueError as e:
            raise _HTTPError(400, f"body: {e}", "body") from None

    def _who(self, required: bool = True) -> Principal | None:
        auth = self.headers.get("Authorization")
        if auth is None:
            if required:
                raise _HTTPError(401, "Authorization: send 'Bearer TOKEN' (POST /api/join "
                                 "gives one)", headers={"WWW-Authenticate": "Bearer"})
            return None
        scheme, _, token = auth.partition(" ")
        p = self.server.principal(token.strip()) if scheme.lower() == "bearer" else None
        if p is None:
            raise _HTTPError(401, "Authorization: unknown or malformed token (join again)",
                             headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return p

    def _student(self) -> Principal:
        p = self._who()
        if p.role != "student":
            raise _HTTPError(403, "only students trade: this is the instructor's token")
        return p

    def _instructor(self) -> Principal:
        p = self._who()
        if p.role != "instructor":
            raise _HTTPError(403, "only the instructor may do this")
        return p

    def _ticker(self, ticker: str) -> str:
        if ticker not in self.server.session.world.tickers:
            raise _HTTPError(404, f"ticker: {ticker[:16]!r} is not traded here (one of "
                             f"{', '.join(self.server.session.world.tickers)})", "ticker")
        return ticker

    # -- the API --------------------------------------------------------------------------------

    def api_join(self):
        """POST /api/join {"name", "code"} -> {"token", "role", "name", "student"}."""
        ip = self.client_address[0]
        if self.server.blocked(ip):
            self._drain_body()
            raise _HTTPError(429, "code: too many wrong codes from this address; wait a minute")
        body = self._body()
        if not isinstance(body, dict):
            raise _HTTPError(400, "body: must be a JSON object {\"name\", \"code\"}", "body")
        for key in body:
            if key not in ("name", "code"):
                raise _HTTPError(400, f"{str(key)[:40]}: unknown field; allowed: name, code",
                                 str(key)[:40])
        for key in ("name", "code"):
            if key not in body:
                raise _HTTPError(400, f"{key}: missing", key)
        code = body["code"]
        if not isinstance(code, str) or len(code) > 128:
            raise _HTTPError(400, "code: must be the class code, a string", "code")
        srv = self.server
        if hmac.compare_digest(code.encode(), srv.admin_code.encode()):
            from scenarios.floor.session import check_name

            name = check_name(body["name"])
            token = srv.issue("instructor", None, name)
            self._json({"token": token, "role": "instructor", "name": name, "student": None})
            return
        if not hmac.compare_digest(code.encode(), srv.code.encode()):
            srv.failed(ip)
            raise _HTTPError(403, "code: wrong class code", "code")
        k = srv.session.join(body["name"])
        name = srv.session.names[k]
        token = srv.issue("student", k, name)
        self._json({"token": token, "role": "student", "name": name, "student": k})

    def api_market(self):
        """GET /api/market -> {"minute", "tickers": {T: {"bid", "ask", "last", ...}}, "news"}."""
        self._who(required=False)
        self._json(self.server.session.snapshot.market)

    def api_book(self, ticker):
        """GET /api/book/T -> {"ticker", "minute", "bids": [[price, shares]], "asks"}."""
        self._who(required=False)
        self._json(self.server.session.book(self._ticker(ticker)))

    def api_history(self, ticker):
        """GET /api/history/T -> {"ticker", "start_minute", "minute", "close": [...]}."""
        self._who(required=False)
        self._json(self.server.session.history(self._ticker(ticker)))

    def api_me(self):
        """GET /api/me -> {"cash", "positions", "pnl", "fills", "orders", ...}."""
        p = self._student()
        all_fills = self.query.get("fills") == ["all"]
        self._json(self.server.session.me(p.student, all_fills=all_fills))

    def api_orders(self):
        """GET /api/orders -> [order, ...] (yours: open and queued first)."""
        p = self._student()
        self._json(self.server.session.me(p.student)["orders"])

    def api_place(self):
        """POST /api/orders {"ticker", "side", "qty", "type", "price"?} -> {"id", ...}."""
        p = self._student()
        body = self._body()
        self._json(self.server.session.place(p.student, body))

    def api_cancel(self, id):  # noqa: A002 (the route's name)
        """DELETE /api/orders/ID -> {"id", "status": "cancelled" | "cancelling"}."""
        p = self._student()
        self._drain_body()
        if not re.fullmatch(r"[1-9][0-9]{0,17}", id):
            raise _HTTPError(400, f"id: must be an order id, a positive whole number (got "
                             f"{id[:40]!r})", "id")
        self._json(self.server.session.cancel(p.student, int(id)))

    def api_leaderboard(self):
        """GET /api/leaderboard -> [{"rank", "name", "pnl", ...}], best first."""
        self._who(required=False)
        self._json(self.server.session.leaderboard())

    def api_control(self):
        """POST /api/control {"action": ...} (instructor) -> the session's status."""
        self._instructor()
        body = self._body()
        self._json(self.server.session.control(body))

    def api_session(self):
        """GET /api/session (instructor) -> state, clock, lag, the class's positions."""
        self._instructor()
        self._json(self.server.session.status())

    def api_debrief(self):
        """GET /api/debrief (instructor) -> the debrief so far."""
        self._instructor()
        from scenarios.studies.outputs import strict_json

        self._json(strict_json(self.server.session.debrief(), indent=None).encode())

    def api_debrief_paths(self, ticker):
        """GET /api/debrief/T (instructor) -> T's path with and without the students."""
        self._instructor()
        self._json(self.server.session.debrief_paths(self._ticker(ticker)))

    def api_export_fills(self):
        """GET /api/export/fills.csv (instructor)."""
        self._instructor()
        self._send(200, self.server.session.fills_csv().encode(), "text/csv; charset=utf-8",
                   {"Content-Disposition": 'attachment; filename="fills.csv"'})

    def api_export_leaderboard(self):
        """GET /api/export/leaderboard.csv (instructor)."""
        self._instructor()
        self._send(200, self.server.session.leaderboard_csv().encode(),
                   "text/csv; charset=utf-8",
                   {"Content-Disposition": 'attachment; filename="leaderboard.csv"'})

    def api_static(self, name):
        """GET /static/NAME: the pages' scripts and styles."""
        self._file(name)

    def api_page(self):
        """GET / (the student page), /instructor."""
        self._file(_PAGES[urlsplit(self.path).path])

    def _file(self, name: str) -> None:
        path = STATIC / name
        if not path.is_file():
            raise _HTTPError(404, f"no such file: {name}")
        ctype = _TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, path.read_bytes(), ctype, {"Content-Security-Policy": _CSP})


def make_server(session, host: str, port: int, code: str, admin_code: str) -> FloorServer:
    """A bound (not yet serving) server; OSError when the address is taken."""
    return FloorServer((host, port), session, code, admin_code)

