"""What discovery found on a partner site, kept on ``Source.discovered`` for the operator.

The ``auto`` kind reports every candidate it saw, what fetching each one showed and the one it
crawled; the report goes with its crawl run, and the aggregator keeps it on the source.
``discover_url`` explores a site outside any crawl and fetches what it finds, so an operator sees
what a site offers, and what each candidate yields, before saving it as a source. Its fetches go
through ``aggregator.guarded_fetch``, which keeps them off the server's own networks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from w3lib.encoding import html_to_unicode

from aggregator.config import get_settings
from aggregator.guarded_fetch import DiscoveryError, fetch
from aggregator.types import utcnow
from core.http import USER_AGENT, WEB_SCHEMES
from core.kinds import BLOCKS, JSONLD, RSS
from spiders.extract.discover import (
    GOOGLE_CALENDAR_URL,
    OPENAGENDA_URL,
    RANK,
    Candidate,
    agenda_pages,
    discover,
    events_in,
    looks_like_agenda,
    rank,
    sniff,
)
from spiders.extract.encoding import actual_encoding, decode
from spiders.extract.links import canonical_url, content_links

MAX_PAGE_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 15.0
MAX_PROBES = 8  # candidates fetched and counted; the rest are listed as not tried
MAX_SAMPLES = 3  # pages an agenda page links to fetched to see whether they carry events
NOT_TRIED = "not tried"
CHOSEN = "chosen"


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


@dataclass(frozen=True)
class Finding:
    """A candidate as fetching it showed it: the events it yields and what the fetch said."""

    candidate: Candidate
    events: int  # events (posts, for a news feed) it carries; 0 when it failed or holds none
    outcome: str


def discover_url(
    url: str,
    timeout: float = TIMEOUT_SECONDS,
    openagenda_url: str = OPENAGENDA_URL,
    user_agent: str | None = None,
    max_probes: int = MAX_PROBES,
    google_calendar_url: str = GOOGLE_CALENDAR_URL,
    allow_private: bool | None = None,
) -> list[Finding]:
    """What the site at ``url`` offers, fetched and counted: the candidates yielding events first
    (structured kinds before the others, then the one yielding most), those yielding none last.

    As a person would, it reads the homepage, then, when the homepage declares no calendar, the
    site's own "Agenda" / "Événements" pages, then fetches each candidate they point to.
    ``allow_private`` (default: ESS_AGENDA_ALLOW_PRIVATE_SOURCES) lets it fetch from loopback and
    private addresses.

    :raise DiscoveryError: the address is not http(s) or not public, or the page cannot be fetched.
    """
    if urlsplit(url.strip()).scheme not in WEB_SCHEMES:
        raise DiscoveryError(f"{url!r} is not an http(s) address")
    if allow_private is None:
        allow_private = get_settings().allow_private_sources
    fetch = _Fetcher(timeout, user_agent or USER_AGENT, allow_private)
    page = fetch(url.strip())
    sniffed = sniff(page.url, page.body)
    if sniffed is not None:
        return [_counted(sniffed, page)]
    listings: dict[str, list[str]] = {}  # agenda pages whose linked pages may carry events
    hosts = (openagenda_url, google_calendar_url)
    candidates = _explored(page, hosts, listings, start=True)
    pages = {canonical_url(page.url): page}
    if not any(RANK[c.kind] < RANK[JSONLD] and not c.guessed for c in candidates):
        for agenda_url in agenda_pages(page.text, page.url):
            try:
                agenda = fetch(agenda_url)
            except DiscoveryError:
                continue
            pages[canonical_url(agenda.url)] = agenda
            candidates = rank([*candidates, *_explored(agenda, hosts, listings)])
    findings = [
        _probe(c, fetch, pages, listings) if index < max_probes else Finding(c, 0, NOT_TRIED)
        for index, c in enumerate(candidates)
    ]
    order = {f.candidate: index for index, f in enumerate(findings)}
    return sorted(
        findings, key=lambda f: (f.events == 0, RANK[f.candidate.kind], -f.events, order[f.candidate])
    )


def _explored(
    page: _Page,
    hosts: tuple[str, str],
    listings: dict[str, list[str]],
    start: bool = False,
) -> list[Candidate]:
    """What one page offers (``hosts``: where OpenAgenda and Google Calendar embeds are read); an
    agenda page without events of its own may list pages that carry them (kept in ``listings``)."""
    found = discover(page.text, page.url, page.links, *hosts)
    if any(c.kind in (JSONLD, BLOCKS) for c in found) or (start and not looks_like_agenda(page.url)):
        return found
    samples = content_links(Selector(text=page.text), page.url)[:MAX_SAMPLES]
    if samples:
        listings[canonical_url(page.url)] = samples
        found.append(
            Candidate(JSONLD, canonical_url(page.url), "the pages its agenda page links to", guessed=True)
        )
    return found


@dataclass(frozen=True)
class _Page:
    url: str
    body: bytes
    text: str
    links: list[str]


class _Fetcher:
    """GETs pages for discovery, within its size and time limits and the address policy."""

    def __init__(self, timeout: float, user_agent: str, allow_private: bool) -> None:
        self.timeout, self.user_agent, self.allow_private = timeout, user_agent, allow_private

    def __call__(self, url: str) -> _Page:
        got = fetch(
            url,
            allow_private=self.allow_private,
            timeout=self.timeout,
            user_agent=self.user_agent,
            max_bytes=MAX_PAGE_BYTES,
        )
        declared, text = html_to_unicode(got.content_type, got.body)
        if actual_encoding(got.body, declared) is not None:
            text = decode(got.body, declared)[0]
        return _Page(got.url, got.body, text, got.links)


def _probe(
    candidate: Candidate, fetch: _Fetcher, pages: Mapping[str, _Page], listings: Mapping[str, list[str]]
) -> Finding:
    """Fetch ``candidate`` (a page already read is not fetched again) and count its events."""
    if candidate.kind == JSONLD and candidate.url in listings:
        return _probe_listing(candidate, fetch, listings[candidate.url])
    try:
        page = pages.get(candidate.url) or fetch(candidate.url)
    except DiscoveryError as exc:
        return Finding(candidate, 0, str(exc).rpartition(": ")[2])
    return _counted(candidate, page)


def _probe_listing(candidate: Candidate, fetch: _Fetcher, samples: list[str]) -> Finding:
    """An agenda page whose linked pages may carry schema.org events: count those of a few."""
    events = 0
    for sample in samples:
        try:
            page = fetch(sample)
        except DiscoveryError:
            continue
        events += events_in(JSONLD, page.body, page.url) or 0
    if not events:
        return Finding(candidate, 0, "the pages it links to carry no schema.org events")
    return Finding(candidate, events, f"{events} events on {len(samples)} of the pages it links to")


def _counted(candidate: Candidate, page: _Page) -> Finding:
    count = events_in(candidate.kind, page.body, page.url)
    if count is None:
        return Finding(candidate, 0, f"not a {candidate.kind} source")
    noun = "posts" if candidate.kind == RSS else "events"
    return Finding(candidate, count, f"{count} {noun}")
