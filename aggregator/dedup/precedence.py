"""Which source speaks first for a listing: the organizer's own, then regional networks, then national
aggregators; and which listings are news posts rather than agenda entries.

A source may state its role in its options (``role: organizer | regional | national``). Without one,
its listing is the organizer's own when the listing's page is on the source's site (same host or
registrable domain), or when its organizer or its place is named as the source is (its name, its
title, or its title before a dash or a bracket). Otherwise the listing is a copy of someone else's
event, which speaks like a national aggregator's. An OpenAgenda agenda's pages are on OpenAgenda, as
every other organizer's are: there, a page's site says nothing of whose the event is (a platform
kind, core.kinds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.dedup.links import site
from aggregator.models import Listing, Source
from core.folding import fold
from core.kinds import NATIONAL, ORGANIZER, REGIONAL, is_news_kind, is_platform_kind

COPY = "copy"  # no declared role, and nothing says the listing is the organizer's own
DECLARABLE = (ORGANIZER, REGIONAL, NATIONAL)
ROLE_RANKS = {ORGANIZER: 3, REGIONAL: 2, NATIONAL: 1, COPY: 1}
NEWS_MARKERS = frozenset({"rss", "atom", "news", "post", "article"})
NEWS_KEYS = ("guid", "evidence", "published", "kind", "origin")  # a payload with none is no news post
MIN_NAME = 3  # shorter names ("ag", "21") name too many things to tell whose an event is
_TITLE_TAIL = re.compile(r"\s+[-–—|:]\s.*$|\s*\(.*$")  # "Café Pluche (Périgord)", "ADESS – agenda"


@dataclass(frozen=True)
class Role:
    """What a source is for one of its listings, and whether an operator said so."""

    name: str
    declared: bool

    @property
    def rank(self) -> int:
        """Higher speaks first."""
        return ROLE_RANKS[self.name]


def declared_role(options: Mapping[str, Any] | None) -> str | None:
    role = str((options or {}).get("role") or "").strip().lower()
    return role if role in DECLARABLE else None


def listing_role(source: Source, listing: Listing) -> Role:
    """The source's declared role, else the organizer's own when the listing shows it, else a copy."""
    declared = declared_role(source.options)
    if declared is not None:
        return Role(declared, True)
    own = _on_site(source, listing.url) or bool(
        _names(source) & {_name(listing.organizer), _name(listing.location_name)}
    )
    return Role(ORGANIZER if own else COPY, False)


def _on_site(source: Source, url: str | None) -> bool:
    if is_platform_kind(source.kind):
        return False
    own = site(source.url)
    return own is not None and site(url) == own


def _names(source: Source) -> set[str]:
    title = source.title or ""
    names = {_name(source.name), _name(title), _name(_TITLE_TAIL.sub("", title))}
    return {name for name in names if len(name) >= MIN_NAME}


def _name(text: str | None) -> str:
    """A name folded and without spaces: "PES 21", "pes21" and "Pes-21" are one name."""
    return fold(text or "").replace(" ", "")


def is_news(kind: str, raw: Mapping[str, Any] | None) -> bool:
    """A news post that mentions an event: its title and times are the least reliable."""
    if is_news_kind(kind):
        return True
    raw = raw or {}
    marker = str(raw.get("kind") or raw.get("origin") or "").lower()
    # a feed entry carries its guid, or its link and publication date (and the sentence dated)
    feed_entry = "guid" in raw or "evidence" in raw or ("link" in raw and "published" in raw)
    return marker in NEWS_MARKERS or feed_entry
