"""A real HTTP server on the loopback interface for tests.

Why a real server instead of mocking ``requests``: the code under test is about
what actually happens on the wire (which address is connected to, which Host
header is sent, how redirects, compression, timeouts and slow peers behave).
Mocks would only test our assumptions about those.

Usage::

    from tests.support.http_server import LocalHTTPServer, Reply

    with LocalHTTPServer() as server:
        server.route("/", Reply(200, "<h1>hi</h1>", {"Content-Type": "text/html"}))
        server.route("/moved", Reply(302, headers={"Location": "/"}))
        server.route("/custom", lambda req: Reply(201, req.path))   # computed reply
        server.route("/raw", raw_writer)   # handler writes to req.wfile itself, returns None
        fetch(server.url("/moved"))
        assert server.requests[0].headers["Host"] == f"127.0.0.1:{server.port}"

* Binds ``127.0.0.1`` (or ``::1``) on port 0, so tests never collide and never
  listen beyond the machine.
* Serves HTTP/1.1 with keep-alive from a daemon thread (one thread per
  connection), so a handler that sleeps does not block other requests and never
  keeps the test process alive.
* Every request is recorded in ``server.requests`` (method, path, headers, body)
  *before* its handler runs, so "this server received no request" is checkable.
* Unrouted paths get a 404. ``route("*", ...)`` sets a fallback.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

__all__ = ["Handler", "LocalHTTPServer", "RecordedRequest", "Reply"]


@dataclass
class Reply:
    """A complete response to send.

    ``body`` may be ``str`` (sent as UTF-8) or ``bytes``. By default a
    ``Content-Length`` header is added; ``chunked=True`` sends the body with
    ``Transfer-Encoding: chunked`` instead (no length known up front).
    ``headers`` may be a mapping or a list of pairs (for repeated headers).
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = field(default_factory=dict)
    chunked: bool = False

    def body_bytes(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body

    def header_items(self) -> list[tuple[str, str]]:
        if isinstance(self.headers, Mapping):
            return list(self.headers.items())
        return list(self.headers)


#: A route target: a fixed Reply, or a callable given the request handler
#: (``.path``, ``.headers``, ``.command``, ``.wfile``...) that returns a Reply, or
#: returns None after writing the whole response to ``handler.wfile`` itself.
Handler = Reply | Callable[[BaseHTTPRequestHandler], Reply | None]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # including the query string
    headers: dict[str, str]  # as received (original case); duplicate names: last wins
    body: bytes


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        self.recorded = RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
        owner._record(self.recorded)  # a handler reads its own request as `req.recorded`
        handler = owner._lookup(urlsplit(self.path).path)
        reply = handler(self) if callable(handler) else handler
        if reply is not None:
            self.send_reply(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    def send_reply(self, reply: Reply) -> None:
        """Write ``reply`` as a well-formed HTTP/1.1 response (usable from custom handlers)."""
        body = reply.body_bytes()
        self.send_response(reply.status)
        names = set()
        for name, value in reply.header_items():
            names.add(name.lower())
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.chunked:
            for start in range(0, len(body), 16384):
                piece = body[start : start + 16384]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: LocalHTTPServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up early (timeouts, size caps) are expected in tests.
        pass


class _Server6(_Server):
    address_family = socket.AF_INET6


class LocalHTTPServer:
    """HTTP server on ``host`` (127.0.0.1 or ::1), random port, routes set per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "::1"):
            raise ValueError("test servers only listen on loopback")
        self.host = host
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        server_cls = _Server6 if ":" in host else _Server
        self._server = server_cls((host, 0), _RequestHandler)
        self._server.owner = self
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"LocalHTTPServer:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- configuration ------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> Self:
        """Serve ``handler`` for requests whose path (query ignored) equals ``path``."""
        with self._lock:
            self._routes[path] = handler
        return self

    def _lookup(self, path: str) -> Handler:
        with self._lock:
            return self._routes.get(path) or self._routes.get("*") or Reply(404, "not found")

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # -- inspection -------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def authority(self) -> str:
        """``host:port`` as it appears in URLs and Host headers."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.authority}{path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)
