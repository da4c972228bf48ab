"""What discovery found on a partner site, kept on ``Source.discovered`` for the operator.

The ``auto`` kind reports every candidate it saw, what fetching each one showed and the one it
crawled; the report goes with its crawl run, and the aggregator keeps it on the source.
``discover_url`` reads a homepage outside any crawl, so an operator can see what a site
offers before saving it as a source.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from w3lib.encoding import html_to_unicode

from aggregator.types import utcnow
from spiders.extract.discover import OPENAGENDA_URL, Candidate, discover, sniff
from spiders.extract.links import WEB_SCHEMES
from spiders.settings import USER_AGENT

MAX_PAGE_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 15.0
NOT_TRIED = "not tried"
CHOSEN = "chosen"


class DiscoveryError(ValueError):
    """A homepage that cannot be read."""


def discovery_report(
    url: str, candidates: Iterable[Candidate], outcomes: Mapping[Candidate, str], chosen: Candidate | None
) -> dict[str, Any]:
    """The JSON kept on ``Source.discovered``: when, from where, every candidate and the choice."""
    return {
        "checked_at": utcnow().isoformat(timespec="seconds"),
        "url": url,
        "chosen": chosen.as_dict() if chosen else None,
        "candidates": [{**c.as_dict(), "outcome": outcomes.get(c, NOT_TRIED)} for c in candidates],
    }


def discover_url(
    url: str,
    timeout: float = TIMEOUT_SECONDS,
    openagenda_url: str = OPENAGENDA_URL,
    user_agent: str | None = None,
) -> list[Candidate]:
    """Fetch the page at ``url`` and list the event sources it declares or suggests, best first.

    :raise DiscoveryError: the address is not http(s), or the page cannot be fetched.
    """
    if urlsplit(url.strip()).scheme not in WEB_SCHEMES:
        raise DiscoveryError(f"{url!r} is not an http(s) address")
    request = urllib.request.Request(url.strip(), headers={"User-Agent": user_agent or USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_PAGE_BYTES)
            content_type = response.headers.get("Content-Type")
            links = response.headers.get_all("Link") or []
            final_url = response.geturl()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DiscoveryError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from exc
    sniffed = sniff(final_url, body)
    if sniffed is not None:
        return [sniffed]
    _, text = html_to_unicode(content_type, body)
    return discover(text, final_url, links, openagenda_url)
