"""The source kinds, each registered here once with what the other layers need to know of it.

A kind names the spider that reads its sources (``scrapy crawl KIND``). The table says, for each, the
role its sources play when their options state none (aggregator.dedup.precedence: whose word comes
first for an event) and whether its entries are news posts rather than agenda entries; discovery
ranks what it finds on a site by ``DISCOVERY_ORDER``.
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
    role: str = ORGANIZER  # the role of its sources when their options state none
    news: bool = False  # its entries are news posts that mention events, not agenda entries


REGISTRY = (
    Kind(AUTO),
    Kind(ICAL),
    Kind(JSONLD),
    Kind(TRIBE),
    Kind(OPENAGENDA, role=NATIONAL),  # an export of the agendas others publish on OpenAgenda
    Kind(RSS, news=True),
    Kind(HTML),
)
KINDS = tuple(kind.name for kind in REGISTRY)
BY_NAME = {kind.name: kind for kind in REGISTRY}

# What discovery prefers among the candidates it finds, structured calendars first.
DISCOVERY_ORDER = (TRIBE, OPENAGENDA, ICAL, JSONLD, BLOCKS, RSS)


def default_role(kind: str) -> str:
    """The role of a source of ``kind`` whose options state none."""
    found = BY_NAME.get(kind)
    return found.role if found else ORGANIZER


def is_news_kind(kind: str) -> bool:
    """Whether every entry of a source of ``kind`` is a news post."""
    found = BY_NAME.get(kind)
    return found is not None and found.news
