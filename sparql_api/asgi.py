"""The Flask app as an ASGI application, so that a slow or idle client costs a socket, never a thread.

The HTTP server (granian, `nolsi serve`) reads headers asynchronously, in Rust, with a time limit
and a size cap. A WSGI app reads its body from a blocking stream, so a server that hands the
request to a thread first (gunicorn's gthread, granian's own WSGI mode, a2wsgi) lets a client
that sends its body one byte a second hold that thread. Here the whole body is read on the event
loop, within `header_timeout` and `max_request_bytes`, and only then is a thread taken to run
Flask. Answers up to `BUFFERED` bytes are produced in the thread and sent from the loop; larger
ones (dump files) are read from their iterator a chunk at a time.

At most `threads` requests are in Flask at once per worker; one more gets 503 with Retry-After at
once, never an unbounded wait. Errors made here are plain text with a Request-Id, like the app's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from flask import Flask

from loader.settings import Settings
from sparql_api import direct
from sparql_api.logs import SAFE_ID

BUFFERED = 1 << 20
_END = object()


def create() -> Adapter:
    """The application granian serves (`--factory`): settings from the `NOLSI_*` environment."""
    from sparql_api.app import create_app
    from sparql_api.evaluator import die_with

    die_with(os.getppid())  # a worker must not outlive its server: its supervisor restarts the whole
    settings = Settings.from_env()
    return Adapter(create_app(settings), settings)


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Adapter:
    def __init__(self, app: Flask, settings: Settings):
        self.app, self.settings = app, settings
        self.executor = ThreadPoolExecutor(settings.threads, thread_name_prefix="nolsi-request")
        self.active = 0
        # Rate limits are Flask-Limiter's: with them on, every request goes through Flask.
        self.direct = (
            None if settings.rate_limit else partial(direct.respond, app.extensions["nolsi.service"], settings)
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope, receive, send) -> None:
        try:
            body = await self._body(scope, receive)
        except _Refused as refused:
            with contextlib.suppress(OSError):  # the client is gone
                await _plain(send, refused.status, refused.message, scope)
            return
        if self.active >= self.settings.threads:
            await _plain(
                send,
                503,
                f"The server is handling {self.active} requests, its most; please retry.",
                scope,
                retry_after=1,
            )
            return
        self.active += 1
        loop = asyncio.get_running_loop()
        rest = None
        try:
            if self.direct is not None and direct.answerable(scope):
                status, headers, head = await loop.run_in_executor(self.executor, self.direct, scope, body)
            else:
                status, headers, head, rest = await loop.run_in_executor(
                    self.executor, self._run, _environ(scope, body)
                )
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": head, "more_body": rest is not None})
            while rest is not None:
                chunk = await loop.run_in_executor(self.executor, next, rest, _END)
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"" if chunk is _END else chunk,
                        "more_body": chunk is not _END,
                    }
                )
                if chunk is _END:
                    break
        except OSError:  # the client went away while the answer was sent
            pass
        finally:
            self.active -= 1
            if rest is not None and hasattr(rest, "close"):
                rest.close()

    async def _body(self, scope, receive) -> bytes:
        """The whole request body, read without a thread, within the time and size limits."""
        limit = self.settings.max_request_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if not declared.isdigit():
                raise _Refused(400, f"Bad Request: Content-Length {declared[:40]!r} is not a number of bytes.")
            raise _Refused(413, f"Request Entity Too Large: the body is {declared} bytes; the limit is {limit}.")
        parts, size = [], 0
        try:
            async with asyncio.timeout(self.settings.header_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":  # gone, or a body the server could not read (bad chunking)
                        raise _Refused(
                            400, "Bad Request: the request body ended early or its chunked framing is invalid."
                        )
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise _Refused(413, f"Request Entity Too Large: the body is over the limit of {limit} bytes.")
                    parts.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(parts)
        except TimeoutError:
            raise _Refused(
                408, f"Request Timeout: the body did not arrive within {self.settings.header_timeout:g} s."
            ) from None
        except (_Refused, asyncio.CancelledError):
            raise
        except (RuntimeError, OSError) as error:
            # granian reports a body it could not read (bad chunking, early end) as http.disconnect, above;
            # a transport fault it raises as RuntimeError or OSError.
            raise _Refused(
                400, f"Bad Request: the request body could not be read ({error or type(error).__name__})."
            ) from None

    def _run(self, environ: dict):
        """Flask in a worker thread: status, headers, the first up to BUFFERED bytes, and the rest's iterator
        or None."""
        started: list = []

        def start_response(status: str, headers: list, exc_info=None):
            started[:] = [
                int(status.split(" ", 1)[0]),
                [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            ]

        iterable = self.app(environ, start_response)
        iterator = iter(iterable)
        head, size = [], 0
        for chunk in iterator:
            head.append(chunk)
            size += len(chunk)
            if size >= BUFFERED:
                return started[0], started[1], b"".join(head), _Closing(iterator, iterable)
        if hasattr(iterable, "close"):
            iterable.close()
        return started[0], started[1], b"".join(head), None

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                service = self.app.extensions.get("nolsi.service")
                if service is not None:
                    service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


class _Closing:
    """The rest of a WSGI response: an iterator whose iterable is closed at the end (PEP 3333)."""

    def __init__(self, iterator, iterable):
        self.iterator, self.iterable = iterator, iterable

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.iterator)

    def close(self) -> None:
        if hasattr(self.iterable, "close"):
            self.iterable.close()


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1").strip()
    return None


def _environ(scope, body: bytes) -> dict:
    """A PEP 3333 environ for an ASGI HTTP scope (strings are latin-1 "bytes as text", as WSGI wants)."""
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "CONTENT_LENGTH": str(len(body)),
    }
    for key, value in scope["headers"]:
        name = key.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
        elif name not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):  # the body is whole, de-chunked, its length known
            name = f"HTTP_{name}"
            environ[name] = f"{environ[name]},{text}" if name in environ else text
    return environ


async def _plain(send, status: int, message: str, scope, retry_after: int | None = None) -> None:
    incoming = _header(scope, b"request-id") or ""
    request_id = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": message.encode() + b"\n"})
