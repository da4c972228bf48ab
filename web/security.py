"""Response headers that keep pages from running or embedding anything not ours."""

from __future__ import annotations

from flask import Flask, Response

# Every asset is served by this app: nothing else may load, run or frame us. A view may loosen one
# directive for its own response (the map's tiles, the embeddable agenda) with ``policy``.
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(**changes: str) -> str:
    """The Content-Security-Policy with some directives replaced (``**{"img-src": "..."}``)."""
    merged = {**DIRECTIVES, **{name.replace("_", "-"): value for name, value in changes.items()}}
    return "; ".join(f"{name} {value}" for name, value in merged.items())


CONTENT_SECURITY_POLICY = policy()
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        # For browsers that predate frame-ancestors; a page meant to be framed sends neither.
        response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        # Pages change with the chosen language.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
