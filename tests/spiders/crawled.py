"""Crawl fixture sites into a fresh SQLite database, and compare listings with expected events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select

from aggregator.crawl import run_crawls
from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.models import CrawlRun, Listing, Source
from aggregator.samples_server import EXPECTED_FILE, serve_sites
from aggregator.schema import upgrade
from aggregator.sources import upsert_sources, validate_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PARIS = ZoneInfo("Europe/Paris")
LISTING_COLUMNS = (
    *("key", "url", "title", "description", "start", "end", "all_day", "status", "online"),
    *("location_name", "address", "postcode", "city", "department", "region"),
)


@contextmanager
def crawled(tmp: Path, sites: dict[str, str], sources: list[dict[str, Any]]) -> Iterator[str]:
    """Serve each fixture site, crawl ``sources`` (``{site}`` in their URL), yield the database URL."""
    url = f"sqlite:///{tmp / 'crawl.sqlite3'}"
    upgrade(get_engine(url))
    with ExitStack() as stack:
        bases = {name: stack.enter_context(serve_sites(FIXTURES / folder)) for name, folder in sites.items()}
        specs = [validate_source({**spec, "url": spec["url"].format(**bases)}) for spec in sources]
        with get_sessionmaker(url).begin() as session:
            upsert_sources(session, specs)
        run_crawls([spec["name"] for spec in specs], trigger="test", database_url=url)
    yield url
    dispose_engine(url)


def listings(database_url: str, source: str) -> list[Row[Any]]:
    """The listings of ``source``: the columns spiders fill, by name."""
    columns = [getattr(Listing, name) for name in LISTING_COLUMNS]
    with get_sessionmaker(database_url)() as session:
        query = select(*columns).join(Source).where(Source.name == source).order_by(Listing.start)
        return list(session.execute(query))


def last_run(database_url: str, source: str) -> Row[Any]:
    with get_sessionmaker(database_url)() as session:
        query = (
            select(CrawlRun.status, CrawlRun.error_count, CrawlRun.errors, CrawlRun.pages)
            .join(Source)
            .where(Source.name == source)
            .order_by(CrawlRun.id.desc())
        )
        return session.execute(query).one()


def moment(listing_value: datetime | None, all_day: bool) -> str | None:
    """A listing's start or end as expected.json writes it: a date, or a local ISO date-time."""
    if listing_value is None:
        return None
    local = listing_value.astimezone(PARIS)
    return local.date().isoformat() if all_day else local.isoformat()


def as_expected(listing: Row[Any]) -> dict[str, Any]:
    return {
        "start": moment(listing.start, listing.all_day),
        "end": moment(listing.end, listing.all_day),
        "all_day": listing.all_day,
        "city": listing.city,
        "postcode": listing.postcode,
        "department": listing.department,
        "online": listing.online,
    }


def expected_samples() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(EXPECTED_FILE).read_text(encoding="utf-8"))
    return data


def day_of(value: str) -> date:
    return date.fromisoformat(value[:10])
