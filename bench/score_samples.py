"""Score a crawl of the sample partner sites against their expected events.

Usage: python -m bench.score_samples [--database-url URL]
Without a URL, serves the bundled samples on 127.0.0.1, crawls every source into a temporary SQLite
database, then scores. The project's clock is pinned to the samples' day unless ESS_AGENDA_NOW says
otherwise. Prints the figures and exits 1 when a target is missed.

Spiders:  expected events found; for those found, exact start, end, all-day flag, city, département,
          région; no event from the posts listed in ``not_events``.
Dedup:    every expected event exactly once; ``sources`` equal to ``listed_on``; status right.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from aggregator import clock
from aggregator.db import get_engine, get_sessionmaker
from aggregator.export import event_as_dict
from aggregator.models import Event, Listing
from aggregator.samples_server import EXPECTED_FILE

FIELDS = ("start", "end", "all_day", "city", "department", "region")
TARGETS = {"found": 0.95, "exact": 0.95, "sources": 0.95, "status": 0.95, "once": 1.0}
TITLE_SIMILARITY = 80


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    once: int = 0
    exact: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    sources_equal: int = 0
    status_right: int = 0
    not_events_leaked: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def ratios(self) -> dict[str, float]:
        found = max(self.found, 1)
        return {
            "found": self.found / max(self.expected, 1),
            "once": self.once / max(self.expected, 1),
            "exact": min(self.exact.values()) / found,
            "sources": self.sources_equal / found,
            "status": self.status_right / found,
        }

    def passed(self) -> bool:
        ratios = self.ratios()
        return not self.not_events_leaked and all(ratios[k] >= t for k, t in TARGETS.items())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def _same_event(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if (actual["start"] or "")[:10] != expected["start"][:10]:
        return False
    titles = [expected["title"], *expected.get("title_variants", [])]
    return any(fuzz.token_set_ratio(_fold(t), _fold(actual["title"])) >= TITLE_SIMILARITY for t in titles)


def _actual_fields(event: dict[str, Any]) -> dict[str, Any]:
    place = event["location"]
    return {
        "start": event["start"],
        "end": event["end"],
        "all_day": event["all_day"],
        "city": place["city"],
        "department": place["department"],
        "region": place["region"],
    }


def score(events: Sequence[dict[str, Any]], leaked: list[str], expected: dict[str, Any]) -> Score:
    result = Score(expected=len(expected["events"]), not_events_leaked=leaked)
    for wanted in expected["events"]:
        matches = [e for e in events if _same_event(wanted, e)]
        label = f"{wanted['start'][:10]} {wanted['title']}"
        if not matches:
            result.misses.append(f"missing: {label}")
            continue
        result.found += 1
        result.once += len(matches) == 1
        if len(matches) > 1:
            result.misses.append(f"split in {len(matches)}: {label}")
        actual = _actual_fields(matches[0])
        for name in FIELDS:
            if actual[name] == wanted[name]:
                result.exact[name] += 1
            else:
                result.misses.append(f"{name} {actual[name]!r} != {wanted[name]!r}: {label}")
        sources = sorted({s["name"] for s in matches[0]["sources"]})
        if sources == sorted(wanted["listed_on"]):
            result.sources_equal += 1
        else:
            result.misses.append(f"sources {sources} != {sorted(wanted['listed_on'])}: {label}")
        if matches[0]["status"] == wanted["status"]:
            result.status_right += 1
        else:
            result.misses.append(f"status {matches[0]['status']} != {wanted['status']}: {label}")
    return result


def load(database_url: str, expected: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every canonical event, and the not_events some listing came from."""
    with get_sessionmaker(database_url)() as session:
        query = select(Event).options(selectinload(Event.listings).selectinload(Listing.source))
        events = [event_as_dict(e) for e in session.scalars(query)]
        listings = session.scalars(select(Listing).options(selectinload(Listing.source))).all()
        leaked = [
            f"{bad['source']} {bad['url']}"
            for bad in expected["not_events"]
            if any(
                listing.source.name == bad["source"] and bad["url"] in (listing.url or listing.key)
                for listing in listings
            )
        ]
    return events, leaked


def crawl_samples(database_url: str) -> None:
    from aggregator.crawl import run_crawls
    from aggregator.samples_server import SOURCES_FILE, serve_sites
    from aggregator.schema import upgrade
    from aggregator.sources import read_sources_file, upsert_sources

    upgrade(get_engine(database_url))
    with serve_sites() as base:
        specs = read_sources_file(SOURCES_FILE, base)
        with get_sessionmaker(database_url).begin() as session:
            upsert_sources(session, specs)
        run_crawls([s["name"] for s in specs], trigger="bench", database_url=database_url)


def report(result: Score) -> str:
    ratios = result.ratios()
    lines = [
        f"expected events found:        {result.found}/{result.expected} ({ratios['found']:.1%})",
        f"found exactly once:           {result.once}/{result.expected} ({ratios['once']:.1%})",
    ]
    lines += [f"exact {name + ':':<24}{count}/{result.found}" for name, count in result.exact.items()]
    lines += [
        f"sources == listed_on:         {result.sources_equal}/{result.found}",
        f"status right:                 {result.status_right}/{result.found}",
        f"events from not_events:       {len(result.not_events_leaked)}",
        *(f"  leaked: {leak}" for leak in result.not_events_leaked),
        *(f"  {miss}" for miss in result.misses),
        "PASS" if result.passed() else "FAIL",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="score this database instead of crawling afresh")
    args = parser.parse_args(argv)
    expected = json.loads(Path(EXPECTED_FILE).read_text(encoding="utf-8"))
    if not os.environ.get(clock.NOW_ENV):
        clock.pin(expected["today"])
    url = args.database_url
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'samples.sqlite3'}"
        crawl_samples(url)
    result = score(*load(url, expected), expected)
    print(report(result))
    return 0 if result.passed() else 1


if __name__ == "__main__":
    sys.exit(main())
