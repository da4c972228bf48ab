"""URLs as identities: canonical forms, the site a page is on, the URLs a listing links to, its
OpenAgenda uid."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tldextract import TLDExtract

from core.urls import is_tracking_parameter

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
MAX_LINKS = 50
MAX_DEPTH = 4
# The Public Suffix List as the package ships it: nothing fetched, nothing cached on disk. Its private
# part counts too: two blogs on one hosting service ("x.github.io", "y.github.io") are two sites.
_SUFFIXES = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=8192)  # a listing's own URL is met again in its raw record
def canonical_url(url: str | None) -> str | None:
    """Host and path without scheme, "www.", fragment, trailing slash or tracking parameters.

    A site's home page says nothing of which event it is: it has no canonical event URL.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    path = unquote(parts.path).rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_parameter(k)
    )
    if not path and not query:
        return None
    netloc = f"{host}:{port}" if port and port not in (80, 443) else host
    return f"{netloc}{path}" + (f"?{urlencode(query)}" if query else "")


def site(url: str | None) -> str | None:
    """The site a page is on: its registrable domain ("agenda.pes21.fr" → "pes21.fr"), else its host
    (an address, "localhost")."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().removeprefix("www.") if url else ""
    except ValueError:
        return None
    return _registrable(host) if host else None


@lru_cache(maxsize=4096)  # by host: a source's pages share a few hosts, each page has its own URL
def _registrable(host: str) -> str:
    return _SUFFIXES(host).top_domain_under_public_suffix or host


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def linked_urls(description: str | None, raw: Mapping[str, Any] | None) -> frozenset[str]:
    """Canonical URLs a listing mentions in its description or its source record."""
    found: set[str] = set()
    for text in (description or "", *_strings(raw or {})):
        for match in _URL_IN_TEXT.findall(text):
            url = canonical_url(match.rstrip(".,;:!?»"))
            if url:
                found.add(url)
            if len(found) >= MAX_LINKS:
                return frozenset(found)
    return frozenset(found)


def openagenda_uid(kind: str, raw: Mapping[str, Any] | None) -> str | None:
    """The OpenAgenda event uid a listing carries, whichever agenda it came through."""
    raw = raw or {}
    value = raw.get("openagenda_uid")
    if value is None and (kind == "openagenda" or "originAgenda" in raw):
        value = raw.get("uid")
    return str(value) if value not in (None, "") else None
