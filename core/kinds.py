"""The source kinds, each registered here once with what the other layers need to know of it.

A kind names the spider that reads its sources (``scrapy crawl KIND``). The table says, for each,
whether its sources are a platform hosting every organizer's pages (so a page's site says nothing of
whose the event is: aggregator.dedup.precedence) and whether its entries are news posts rather than
agenda entries; discovery ranks what it finds on a site by ``DISCOVERY_ORDER``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Roles a source plays (its ``options.role``): the organizer's own site, a regional network, a
# national aggregator of others' events.
ORGANIZER = "organizer"
REGIONAL = "regional"
NATIONAL = "national"

AUTO = "auto"
ICAL = "ical"
JSONLD = "jsonld"
TRIBE = "tribe"
OPENAGENDA = "openagenda"
RSS = "rss"
HTML = "html"
# An agenda of cards read by its shape (spiders.extract.agenda_blocks): discovery proposes it, the
# auto kind crawls it; no kind of its own.
BLOCKS = "blocks"


@dataclass(frozen=True)
class Kind:
    name: str
    platform: bool = False  # its sources' pages are a platform's, whoever the organizer is
    news: bool = False  # its entries are news posts that mention events, not agenda entries


REGISTRY = (
    Kind(AUTO),
    Kind(ICAL),
    Kind(JSONLD),
    Kind(TRIBE),
    Kind(OPENAGENDA, platform=True),  # an export of the agendas organizers publish on OpenAgenda
    Kind(RSS, news=True),
    Kind(HTML),
)
KINDS = tuple(kind.name for kind in REGISTRY)
BY_NAME = {kind.name: kind for kind in REGISTRY}

# What discovery prefers among the candidates it finds, structured calendars first.
DISCOVERY_ORDER = (TRIBE, OPENAGENDA, ICAL, JSONLD, BLOCKS, RSS)


def is_platform_kind(kind: str) -> bool:
    """Whether the pages of a source of ``kind`` are a platform's, whoever organizes the event."""
    found = BY_NAME.get(kind)
    return found is not None and found.platform


def is_news_kind(kind: str) -> bool:
    """Whether every entry of a source of ``kind`` is a news post."""
    found = BY_NAME.get(kind)
    return found is not None and found.news
