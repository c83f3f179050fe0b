"""Compressed answers: Brotli or gzip, whichever the client's Accept-Encoding prefers.

Pages, query results in every format, RDF, the API document and the browser files shrink five- to
tenfold. What HTTP asks of a compressed answer (RFC 9110) is kept: `Vary: Accept-Encoding` wherever
the body depends on it, also on a 304; an ETag of its own (the identity one with `:br` or `:gzip`),
so that a revalidation with it gets 304 and never matches the other encoding; a Content-Length that
is the compressed length; no byte ranges over a body whose bytes differ from the identity one's.
A body the app streams is compressed as it streams, never gathered first.

The choice follows the client's q-values as Werkzeug parses them: `br;q=0` refuses Brotli, `*`
stands for any coding. (Flask-Compress, tried first, sends Brotli to `br;q=0`.)

Sent as they are: the release files (byte-exact downloads whose ETag is their SHA-256 and whose
byte ranges address those bytes; the dumps are gzip already), partial content, bodies under
`MIN_BYTES`, and media types that are compressed already (images, gzip).
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator

import brotli
from flask import Flask, Response, request
from werkzeug.http import parse_accept_header

from sparql_api import formats

CODINGS = ("br", "gzip")  # for equal q-values, the first the client accepts
GZIP_LEVEL = 6
BROTLI_QUALITY = 4  # about gzip's speed at level 6, and a tenth smaller
MIN_BYTES = 500  # smaller bodies gain less than the Content-Encoding header costs
FLUSH_BYTES = 256 * 1024
MEDIA_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/xml",
        "image/svg+xml",
        *(f.media_type for f in formats.SOLUTIONS + formats.GRAPHS),
    }
)
SENT_AS_THEY_ARE = frozenset({"releases.download"})  # endpoints
# Query answers (whose ETag names the build, the query, its format and base IRI: one body) are
# answered from the cache again and again; their compressed bodies are kept too, the larger ones,
# so that a cache hit of a 2 MB answer is not compressed again (15-30 ms each time).
KEPT_FOR = frozenset({"sparql.endpoint", "saved.run"})  # endpoints
KEEP_FROM = 64 * 1024
KEEP_BYTES = 32 * 1024 * 1024  # per worker
_kept: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_kept_size = 0
_kept_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.after_request(compress)


def compress(response: Response) -> Response:
    """`response` compressed in the coding the client prefers, when it may and should be."""
    if request.endpoint in SENT_AS_THEY_ARE or "Content-Encoding" in response.headers:
        return response
    length = None if response.is_streamed else response.calculate_content_length()
    if not varies(response.mimetype or "", response.status_code, length):
        return response
    response.vary.add("Accept-Encoding")
    coding = request.accept_encodings.best_match(CODINGS)
    if coding is None or response.status_code != 200:
        return response
    tag, weak = response.get_etag()
    if tag:
        response.set_etag(etag(tag, coding), bool(weak))
    response.headers["Content-Encoding"] = coding
    response.headers.pop("Accept-Ranges", None)
    if request.method in ("GET", "HEAD"):
        response.make_conditional(request)  # 304 for the compressed ETag, before any work
        if response.status_code == 304:
            return response
    if response.is_streamed:
        original = response.response
        response.direct_passthrough = False
        response.response = _compressed_stream(response.iter_encoded(), coding)
        response.headers.pop("Content-Length", None)
        if hasattr(original, "close"):
            response.call_on_close(original.close)
    else:
        response.set_data(compressed(response.get_data(), coding, tag if request.endpoint in KEPT_FOR else None))
    return response


def varies(media_type: str, status: int, length: int | None) -> bool:
    """Whether such a body depends on Accept-Encoding (and its Vary says so). A small body never
    does: it is sent as it is, whatever the request says."""
    if media_type not in MEDIA_TYPES or status not in (200, 304):
        return False
    return not (length is not None and length < MIN_BYTES and status == 200)


def coding(accept_encoding: str) -> str | None:
    """The coding an Accept-Encoding header prefers among ours, or None for the body as it is."""
    return parse_accept_header(accept_encoding).best_match(CODINGS)


def etag(tag: str, coding: str) -> str:
    """The ETag of the `coding`-compressed body whose identity ETag is `tag`."""
    return f"{tag}:{coding}"


def compressed(data: bytes, coding: str, tag: str | None = None) -> bytes:
    """`data` compressed; with `tag`, the identity ETag that names exactly this body, a large one is
    kept (`KEEP_BYTES` of the most recently used) and given again for the same tag and coding."""
    if tag is None or len(data) < KEEP_FROM:
        return _compress(data, coding)
    global _kept_size  # noqa: PLW0603 - one small cache per worker process
    key = (tag, coding)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    body = _compress(data, coding)
    with _kept_lock:
        if key not in _kept and len(body) <= KEEP_BYTES:
            _kept[key] = body
            _kept_size += len(body)
            while _kept_size > KEEP_BYTES:
                _kept_size -= len(_kept.popitem(last=False)[1])
    return body


def _compress(data: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(data, quality=BROTLI_QUALITY)
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def _compressed_stream(chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """The chunks compressed, sent on at least every `FLUSH_BYTES` of input (Brotli would keep all of
    a megabyte file until its end; zlib sends as its buffer fills)."""
    if coding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        step, flush, end = compressor.process, compressor.flush, compressor.finish
    else:
        deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # gzip framing
        step, flush, end = deflate.compress, lambda: b"", deflate.flush
    pending = 0
    for chunk in chunks:
        out = step(chunk)
        pending += len(chunk)
        if pending >= FLUSH_BYTES:
            out += flush()
            pending = 0
        if out:
            yield out
    yield end()
