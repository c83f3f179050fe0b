"""Accept headers as real clients send them.

Werkzeug matches a media range's parameters against the offered type, so `text/csv;
charset=utf-8` (curl scripts, Jena, pandas' default opener) would match nothing we offer and get
406. RFC 9110 12.5.1 lets a server ignore parameters it does not use: every answer here is UTF-8,
so only the type and its q-value count. A header is also capped at `MAX_RANGES` media ranges, so
that no client can make negotiation itself cost seconds of CPU.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest
from werkzeug.http import parse_accept_header

MAX_RANGES = 64


class NegotiatingRequest(Request):
    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:
        return parse(self.headers.get("Accept", ""))


def parse(header: str) -> MIMEAccept:
    """An Accept header's media ranges, their parameters dropped; BadRequest if it lists too many."""
    if header.count(",") >= MAX_RANGES:
        raise BadRequest(f"The Accept header lists more than {MAX_RANGES} media ranges; send the few you can read.")
    return MIMEAccept(_ranges(header))


@lru_cache(maxsize=512)  # clients send the same few headers again and again
def _ranges(header: str) -> tuple[tuple[str, float], ...]:
    return tuple(
        (value.split(";", 1)[0].strip(), quality) for value, quality in parse_accept_header(header, MIMEAccept)
    )
