"""Response hardening and per-client rate limiting.

The Content-Security-Policy allows scripts and styles from this server only; YASGUI inserts
one constant `<style>` element, hence `'unsafe-inline'` for styles (scripts stay strict).
Rate limiting is Flask-Limiter's, per client address and per worker process, off unless
`rate_limit` is set (e.g. "600/minute"); clients over the limit get 429 with Retry-After.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))
# CORS is Flask-CORS's (app.py): any origin may read, and these headers too. `direct` answers only
# requests without Origin, to which Flask-CORS sends the two fields of `CORS_HEADERS`.
EXPOSED_HEADERS = ["ETag", "Last-Modified", "Result-Rows", "Result-Truncated", "Result-Row-Limit", "Request-Id"]
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", ", ".join(sorted(EXPOSED_HEADERS))),
)


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    rate = app.config["NOLSI"].rate_limit
    if rate:
        Limiter(
            get_remote_address,
            app=app,
            default_limits=[rate],
            headers_enabled=True,
            storage_uri="memory://",
            default_limits_exempt_when=_exempt,
        )


def _exempt() -> bool:
    from flask import request

    return request.path.startswith("/-/")


def _headers(response):
    for name, value in HEADERS:
        response.headers[name] = value
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
