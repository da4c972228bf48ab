"""Responses built once and served many times: public views' pages kept per data version, and
conditional, compressible representations of feeds."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from flask_babel import get_locale
from werkzeug.datastructures import Headers
from werkzeug.http import http_date

from web.cache import app_cache, cached, served_stale, versioned_key
from web.dates import today

GZIP_MIN_BYTES = 1024


@dataclass
class Representation:
    """A rendered body with its validators; the gzip variant is compressed once, on first demand."""

    body: bytes
    etag: str
    last_modified: datetime
    content_type: str
    _gzipped: bytes | None = field(default=None, repr=False)

    @property
    def gzipped(self) -> bytes:
        if self._gzipped is None:
            # mtime=0: the same body always compresses to the same bytes.
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped

    @property
    def size(self) -> int:
        return len(self.body) + len(self._gzipped or b"")


def cached_representation(key: Hashable, build: Callable[[], Representation]) -> Representation:
    """The representation cached under ``key`` (web.cache), rendered on a miss."""
    return cached(key, build, lambda representation: representation.size)


@dataclass(frozen=True)
class Kept:
    """A view's 200 response as it left the view (the app's after-request headers come later)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]


def kept_view(view: Callable[..., Any]) -> Callable[..., Response]:
    """A public view whose 200 responses are kept per (URL, language, origin, day, data version).

    What such a page shows depends on nothing else: no session, no form token. Redirects and
    errors are built each time and never kept.
    """

    @wraps(view)
    def served(**arguments: Any) -> Response:
        key = versioned_key("view", request.full_path, str(get_locale()), request.host_url, today())
        made: list[Response] = []

        def build() -> Kept | None:
            made.append(current_app.make_response(view(**arguments)))
            return _keepable(made[0])

        kept: Kept | None = app_cache().get_or_build(key, build, lambda kept: len(kept.body))
        if kept is None:  # nothing kept: this request built its own response
            return made[0]
        return Response(kept.body, headers=Headers(list(kept.headers)))

    return served


def _keepable(response: Response) -> Kept | None:
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return None
    if served_stale():  # its counts lag a change: the page is built again until they follow
        return None
    return Kept(response.get_data(), tuple(response.headers.items()))


class HighWater:
    """The latest moment handed out so far: Last-Modified never moves backwards, even when a clock
    of the aggregator does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mark: datetime | None = None

    def at_least(self, moment: datetime) -> datetime:
        with self._lock:
            if self._mark is None or moment > self._mark:
                self._mark = moment
            return self._mark


def etag_for(*parts: object) -> str:
    """An opaque validator derived from what determines the body (filters, data version…)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _wants_gzip(body: bytes) -> bool:
    return len(body) >= GZIP_MIN_BYTES and request.accept_encodings["gzip"] > 0


def send(representation: Representation, max_age: int, filename: str | None = None) -> Response:
    """200 with the body (gzip when asked), or 304 when the client's copy is current."""
    compressed = _wants_gzip(representation.body)
    etag = representation.etag + ("-gzip" if compressed else "")
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(representation.last_modified),
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
    }
    if _not_modified(representation, etag):
        return Response(status=304, headers=headers)
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if compressed:
        headers["Content-Encoding"] = "gzip"
        body = representation.gzipped
    else:
        body = representation.body
    return Response(body, status=200, headers=headers, content_type=representation.content_type)


def _not_modified(representation: Representation, etag: str) -> bool:
    if request.if_none_match:
        # Either encoding's validator proves the client holds the current data.
        variants = (etag, representation.etag, representation.etag + "-gzip")
        return any(request.if_none_match.contains_weak(variant) for variant in variants)
    since = request.if_modified_since
    return since is not None and representation.last_modified.replace(microsecond=0) <= since
