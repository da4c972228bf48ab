"""What a site offers: the event sources its pages declare or suggest, best first.

``discover(html, base_url)`` reads one page (no network): ``<link rel="alternate">`` iCalendar and
RSS/Atom feeds, ``.ics`` and ``webcal:`` links, a WordPress REST root (``rel="https://api.w.org/"``,
in the page or the ``Link`` header) where "The Events Calendar" may answer, OpenAgenda and Google
Calendar embeds, schema.org events on the page itself, and an agenda of cards with date badges.
``agenda_pages`` names the pages worth reading next; ``confirms`` says whether a fetched candidate
is what it claimed to be.

Candidates are ranked structured calendars first (tribe > openagenda > ical > jsonld > blocks >
rss); a guessed candidate (an endpoint the page only suggests) comes after a declared one of the
same kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from parsel import Selector

from aggregator import clock
from core.kinds import BLOCKS, DISCOVERY_ORDER, ICAL, JSONLD, OPENAGENDA, RSS, TRIBE
from core.zones import DEFAULT_TIMEZONE
from spiders.extract.agenda_blocks import agenda_cards
from spiders.extract.encoding import decode
from spiders.extract.links import canonical_url, same_site, web_url
from spiders.extract.structured_data import page_events

RANK = {kind: index for index, kind in enumerate(DISCOVERY_ORDER)}

OPENAGENDA_URL = "https://openagenda.com"
GOOGLE_CALENDAR_URL = "https://calendar.google.com"
TRIBE_EVENTS_ROUTE = "tribe/events/v1/events"
WP_API_REL = "https://api.w.org/"
MAX_MENU_WORDS = 4

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_CALENDAR_TYPES = ("text/calendar", "text/x-vcalendar", "application/ics")
_COMMENTS_FEED = re.compile(r"comment", re.IGNORECASE)
_TRIBE_MARKERS = ("tribe-events", "the-events-calendar")
_OPENAGENDA_AGENDA = re.compile(
    r"openagenda\.com/(?:[a-z]{2}/)?agendas/(\d+)|data-(?:cbctl|oa-agenda-uid|agenda-uid)=[\"'](\d+)",
    re.IGNORECASE,
)
# WordPress event plugins by their markup (classes, asset paths), with the iCalendar export each
# one serves from the site's root whatever its theme and permalinks.
_PLUGINS = (
    (
        "The Events Calendar",
        re.compile(r"tribe-events|the-events-calendar|tribe-common"),
        "?post_type=tribe_events&ical=1&eventDisplay=list",
    ),
    (
        "Events Manager",
        re.compile(r"\bem-events-list|css-events-list|\bem-item\b|plugins/events-manager/"),
        "events.ics",
    ),
    (
        "Modern Events Calendar",
        re.compile(r"\bmec-wrap|\bmec-event-|plugins/modern-events-calendar"),
        "?mec-ical-feed=1",
    ),
    (
        "All-in-One Event Calendar",
        re.compile(r"\bai1ec-|plugins/all-in-one-event-calendar|timely-calendar"),
        "?plugin=all-in-one-event-calendar&controller=ai1ec_exporter_controller&action=export_events",
    ),
)
_WP_CONTENT = re.compile(r"""(?:href|src)=["']([^"']*?)/wp-(?:content|includes)/""")
# Mobilizon groups ("/@name" on an instance) and Gancio instances publish their agenda as iCalendar.
_MOBILIZON_GROUP = re.compile(r"^(?P<group>(?:/[^@/]+)*/@[\w.-]+(?:@[\w.-]+)?)/?$")
_GANCIO_BASE = re.compile(
    r"""<gancio-events?\b[^>]*\bbaseurl=["']([^"']+)|(https?://[^"'\s]+?)/gancio-events?\.(?:es\.)?js""", re.I
)
_LINK_HEADER = re.compile(r'<([^>]*)>\s*((?:;\s*[\w*-]+\s*=\s*(?:"[^"]*"|[^;,]*)\s*)*)')
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)
_AGENDA_WORDS = re.compile(
    r"\b(agenda|[ée]v[éè]nements?|calendrier|manifestations|rendez-vous|events?|ateliers|rencontres|sorties)\b",
    re.IGNORECASE,
)
_AGENDA_PATH = re.compile(r"/(agenda|evenements?|events?|calendrier|manifestations)(/|\.html?)?$", re.I)
_RSS_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]")
_FEED_ENTRY = re.compile(rb"<(?:item|entry)[\s>]")


@dataclass(frozen=True)
class Candidate:
    """One way a site publishes its events."""

    kind: str  # the spider kind that reads it
    url: str
    how: str  # what pointed to it, for the operator
    guessed: bool = False  # suggested only: fetching it will tell

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def discover(
    html: str,
    base_url: str,
    link_headers: Iterable[str] = (),
    openagenda_url: str = OPENAGENDA_URL,
    google_calendar_url: str = GOOGLE_CALENDAR_URL,
) -> list[Candidate]:
    """Every event source the page at ``base_url`` declares or suggests, best first.

    ``openagenda_url`` and ``google_calendar_url`` are where those services' embeds are read from.
    """
    page = Selector(text=html)
    found = [
        *_tribe_endpoints(page, html, base_url, link_headers),
        *_openagenda_exports(html, openagenda_url),
        *_calendar_feeds(page, base_url, google_calendar_url),
        *_plugin_exports(page, html, base_url, link_headers),
        *_federated_feeds(page, html, base_url),
        *_events_on_page(html, base_url),
        *_agenda_blocks(html, base_url),
        *_news_feeds(page, base_url),
    ]
    return rank(found)


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Best first, each URL once (its first, most telling, mention kept)."""
    unique: dict[tuple[str, str], Candidate] = {}
    for candidate in candidates:
        unique.setdefault((candidate.kind, candidate.url), candidate)
    order = {key: index for index, key in enumerate(unique)}
    return sorted(unique.values(), key=lambda c: (RANK[c.kind], c.guessed, order[(c.kind, c.url)]))


def agenda_pages(html: str, base_url: str, limit: int = 2) -> list[str]:
    """Pages of the same site whose link names an agenda ("Agenda", "Événements", /agenda/…)."""
    scored: dict[str, int] = {}
    for anchor in Selector(text=html).css("a[href]"):
        url = web_url(anchor.attrib["href"], base_url)
        if not url or not same_site(url, base_url) or url.lower().endswith(".ics"):
            continue
        url = canonical_url(url)
        words = " ".join(anchor.css("::text").getall()).split()
        path = urlsplit(url).path.rstrip("/") or "/"
        # A menu entry ("Agenda", "Nos événements"), not a news title that mentions an event.
        named = len(words) <= MAX_MENU_WORDS and bool(_AGENDA_WORDS.search(" ".join(words)))
        score = 2 * bool(_AGENDA_PATH.search(path)) + named
        if score and url != canonical_url(base_url) and "ical" not in urlsplit(url).query:
            scored[url] = max(score, scored.get(url, 0))
    return sorted(scored, key=lambda u: -scored[u])[:limit]


def looks_like_agenda(url: str) -> bool:
    """Whether the address itself names an agenda page (``/agenda/``, ``/evenements``…)."""
    return bool(_AGENDA_PATH.search(urlsplit(url).path.rstrip("/") or "/"))


def confirms(kind: str, body: bytes) -> bool:
    """Whether a fetched candidate's body is what its kind reads."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind == ICAL:
        return head.upper().startswith(b"BEGIN:VCALENDAR")
    if kind == RSS:
        return bool(_RSS_ROOT.search(head))
    if kind in (TRIBE, OPENAGENDA):
        return _events_json(body) is not None
    if kind == JSONLD:
        return bool(page_events(body.decode("utf-8", errors="replace"), "http://localhost/")[0])
    return False


def events_in(kind: str, body: bytes, url: str) -> int | None:
    """How many events (posts, for a news feed) a fetched candidate carries; None when it is not of
    its kind. Counting them is how discovery tells a working source from an empty or absent one."""
    if kind in (ICAL, RSS):
        if not confirms(kind, body):
            return None
        return body.count(b"BEGIN:VEVENT") if kind == ICAL else len(_FEED_ENTRY.findall(body))
    if kind in (TRIBE, OPENAGENDA):
        events = _events_json(body)
        return None if events is None else len(events)
    text = decode(body)[0]
    if kind == JSONLD:
        return len(page_events(text, url)[0])
    if kind == BLOCKS:
        return len(agenda_cards(text, url, clock.today(DEFAULT_TIMEZONE))[0])
    return None


def sniff(url: str, body: bytes) -> Candidate | None:
    """The candidate ``url`` is itself when it is a feed rather than a web page."""
    if confirms(ICAL, body):
        return Candidate(ICAL, url, "the address is an iCalendar feed")
    if confirms(RSS, body):
        return Candidate(RSS, url, "the address is an RSS or Atom feed")
    events = _events_json(body)
    if events is not None:
        tribe = "tribe/events" in url or any(isinstance(e, dict) and "start_date" in e for e in events)
        return Candidate(TRIBE if tribe else OPENAGENDA, url, "the address is a JSON events feed")
    return None


# -- what each kind looks like on a page ------------------------------------------------------


def _tribe_endpoints(
    page: Selector, html: str, base_url: str, link_headers: Iterable[str]
) -> Iterator[Candidate]:
    """The Events Calendar's REST route under the WordPress API root, or a link straight to it."""
    for href in page.css("a::attr(href), link::attr(href)").getall():
        url = web_url(href, base_url)
        if url and "/wp-json/tribe/events/v1/" in url:
            yield Candidate(
                TRIBE, _tribe_route(url.split("/wp-json/")[0] + "/wp-json/"), "a link to its events API"
            )
    roots = [(href, '<link rel="https://api.w.org/">') for href in page.css(_rel_css(WP_API_REL)).getall()]
    roots += [(href, 'the Link header rel="https://api.w.org/"') for href in _header_links(link_headers)]
    uses_tribe = any(marker in html for marker in _TRIBE_MARKERS)
    note = " and The Events Calendar's markup" if uses_tribe else ""
    for href, how in roots:
        root = web_url(href, base_url)
        if root:
            yield Candidate(TRIBE, _tribe_route(root), f"the WordPress REST API ({how}{note})", guessed=True)
    if uses_tribe and not roots:
        root = _wp_root(page, html, base_url, ()) + "wp-json/"
        yield Candidate(TRIBE, _tribe_route(root), "The Events Calendar's markup", guessed=True)


def _tribe_route(api_root: str) -> str:
    """The events route under a REST root, pretty (``/wp-json/``) or plain (``?rest_route=/``)."""
    parts = urlsplit(api_root)
    if "rest_route" in parse_qs(parts.query):
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"rest_route=/{TRIBE_EVENTS_ROUTE}", ""))
    return canonical_url(api_root.rstrip("/") + "/" + TRIBE_EVENTS_ROUTE)


def _openagenda_exports(html: str, openagenda_url: str) -> Iterator[Candidate]:
    uids = (link or attribute for link, attribute in _OPENAGENDA_AGENDA.findall(html))
    for uid in dict.fromkeys(uids):
        url = f"{openagenda_url.rstrip('/')}/agendas/{uid}/events.v2.json"
        yield Candidate(OPENAGENDA, url, f"an embedded OpenAgenda agenda ({uid})")


def _calendar_feeds(page: Selector, base_url: str, google_calendar_url: str) -> Iterator[Candidate]:
    """iCalendar feeds: declared alternates, .ics/webcal links, Google Calendar embeds."""
    for node in page.css("link[href]"):
        if (node.attrib.get("type") or "").split(";")[0].strip().lower() in _CALENDAR_TYPES:
            url = web_url(node.attrib["href"], base_url)
            if url:
                yield Candidate(ICAL, canonical_url(url), '<link rel="alternate" type="text/calendar">')
    for href in page.css("a::attr(href)").getall():
        url = web_url(href, base_url)
        if url and (urlsplit(url).path.lower().endswith(".ics") or href.lower().startswith("webcal:")):
            yield Candidate(ICAL, canonical_url(url), "a link to an .ics calendar")
        elif url and "ical" in parse_qs(urlsplit(url).query):
            yield Candidate(ICAL, canonical_url(url), "a link to an iCalendar export (?ical=1)")
    for src in page.css("iframe::attr(src)").getall():
        parts = urlsplit(web_url(src, base_url) or "")
        if parts.hostname == "calendar.google.com" and "/embed" in parts.path:
            for calendar in parse_qs(parts.query).get("src", []):
                url = f"{google_calendar_url.rstrip('/')}/calendar/ical/{quote(calendar)}/public/basic.ics"
                yield Candidate(ICAL, url, "an embedded Google Calendar")


def _plugin_exports(
    page: Selector, html: str, base_url: str, link_headers: Iterable[str]
) -> Iterator[Candidate]:
    """The iCalendar export of each WordPress event plugin the page's markup shows."""
    used = [(name, export) for name, markup, export in _PLUGINS if markup.search(html)]
    if not used:
        return
    root = _wp_root(page, html, base_url, link_headers)
    for name, export in used:
        url = root.rstrip("/") + export if export.startswith("?") else root + export
        yield Candidate(ICAL, canonical_url(url), f"{name}'s markup (its iCalendar export)", guessed=True)


def _wp_root(page: Selector, html: str, base_url: str, link_headers: Iterable[str]) -> str:
    """The WordPress site's root: before ``/wp-json/``, before ``/wp-content/``, else the host's."""
    roots = [*page.css(_rel_css(WP_API_REL)).getall(), *_header_links(link_headers)]
    for href in roots:
        url = web_url(href, base_url)
        if url and "/wp-json" in url:
            return url.split("/wp-json")[0] + "/"
    for prefix in _WP_CONTENT.findall(html):
        url = web_url(prefix + "/", base_url)
        if url and same_site(url, base_url):
            return url
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def _federated_feeds(page: Selector, html: str, base_url: str) -> Iterator[Candidate]:
    """Mobilizon groups linked or given as the address, Gancio instances embedded or given: their
    iCalendar feeds."""
    for node in page.css("a[href], iframe[src]"):
        url = web_url(node.attrib.get("href") or node.attrib.get("src") or "", base_url)
        parts = urlsplit(url or "")
        group = _MOBILIZON_GROUP.match(parts.path)
        if url is None or group is None:
            continue
        words = (node.xpath("string()").get() or "") + " " + node.attrib.get("title", "")
        named = "mobilizon" in (parts.hostname or "") or "mobilizon" in words.lower()
        if named:
            feed = urlunsplit((parts.scheme, parts.netloc, group["group"] + "/feed/ics", "", ""))
            yield Candidate(ICAL, feed, "a Mobilizon group (its iCalendar feed)")
    own = urlsplit(base_url)
    group = _MOBILIZON_GROUP.match(own.path)
    if group and ("mobilizon" in (own.hostname or "") or "mobilizon" in html.lower()):
        feed = urlunsplit((own.scheme, own.netloc, group["group"] + "/feed/ics", "", ""))
        yield Candidate(ICAL, feed, "a Mobilizon group's page (its iCalendar feed)")
    if "gancio" in html.lower():
        for href in page.css(_rel_css("alternate")).getall():
            url = web_url(href, base_url)
            if url and urlsplit(url).path.endswith("/feed/rss"):
                yield Candidate(
                    ICAL, canonical_url(url[: url.rindex("/feed/rss")] + "/feed/ics"), "a Gancio instance"
                )
    for embed, script in _GANCIO_BASE.findall(html):
        base = web_url(embed or script, base_url)
        if base:
            yield Candidate(ICAL, canonical_url(base.rstrip("/") + "/feed/ics"), "an embedded Gancio agenda")


def _events_on_page(html: str, base_url: str) -> Iterator[Candidate]:
    events, _ = page_events(html, base_url)
    if events:
        yield Candidate(JSONLD, canonical_url(base_url), f"{len(events)} schema.org event(s) on the page")


def _agenda_blocks(html: str, base_url: str) -> Iterator[Candidate]:
    cards, _ = agenda_cards(html, base_url, clock.today(DEFAULT_TIMEZONE))
    if cards:
        how = f"an agenda of {len(cards)} cards with date badges linking to their pages"
        yield Candidate(BLOCKS, canonical_url(base_url), how)


def _news_feeds(page: Selector, base_url: str) -> Iterator[Candidate]:
    for node in page.css("link[href]"):
        kind = (node.attrib.get("type") or "").split(";")[0].strip().lower()
        title, href = node.attrib.get("title", ""), node.attrib["href"]
        if kind in _FEED_TYPES and not _COMMENTS_FEED.search(title + " " + href):
            url = web_url(href, base_url)
            if url:
                yield Candidate(RSS, canonical_url(url), f'<link rel="alternate" type="{kind}">')


def _rel_css(rel: str) -> str:
    return f'link[rel="{rel}"]::attr(href)'


def _header_links(headers: Iterable[str]) -> Iterator[str]:
    """URLs of a ``Link`` header whose rel is the WordPress API's."""
    for header in headers:
        for match in _LINK_HEADER.finditer(header):
            rels = _REL.search(match.group(2))
            if rels and WP_API_REL in rels.group(1).split():
                yield match.group(1).strip()


def _events_json(body: bytes) -> list[Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    events = data.get("events") if isinstance(data, dict) else None
    return events if isinstance(events, list) else None
