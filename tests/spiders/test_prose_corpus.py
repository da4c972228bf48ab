"""The prose corpus (a copy of ../shared/prose) crawled over HTTP with its clock pinned: the floors
of recall, precision and exact times the prose reading reaches (bench/prose.py prints the figures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from aggregator.db import dispose_engine, get_sessionmaker
from aggregator.models import CrawlRun, Listing, Source
from bench.prose import crawl_prose, prose_figures
from bench.score_samples import load
from tests.spiders.crawling import FIXTURES

PROSE = FIXTURES / "prose"
EXPECTED = json.loads((PROSE / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def prose_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('prose')) / 'prose.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESS_AGENDA_NOW", EXPECTED["today"])
        crawl_prose(PROSE, url)
    yield url
    dispose_engine(url)


@pytest.fixture(scope="module")
def figures(prose_db: str) -> dict[str, float]:
    events, _ = load(prose_db, EXPECTED)
    return prose_figures(events, EXPECTED)


def test_recall_precision_and_times_reach_their_floors(figures: dict[str, float]) -> None:
    assert figures["recall"] >= 0.95
    assert figures["precision"] >= 0.95
    assert figures["start"] >= 0.95 and figures["end"] >= 0.95


def _listings(prose_db: str, source: str) -> list[Listing]:
    with get_sessionmaker(prose_db)() as session:
        query = select(Listing).join(Source).where(Source.name == source)
        return list(session.scalars(query))


def test_a_newsletter_gives_each_event_it_announces_and_none_of_its_traps(prose_db: str) -> None:
    days = {x.key.rsplit("#", 1)[1] for x in _listings(prose_db, "cress-aura")}
    announced = {"2027-01-26", "2027-02-04", "2027-02-10", "2027-02-16", "2027-03-11", "2027-03-22"}
    announced.add("2027-04-08")
    assert announced <= days <= announced | {"2027-04-01"}  # the members' AG is optional
    assert not days & {"2026-12-08", "2026-11-26", "2027-02-19", "2027-03-18"}


def test_a_post_and_its_flyer_make_one_event_with_the_flyers_time_and_place(prose_db: str) -> None:
    [forum] = [x for x in _listings(prose_db, "ess-touraine") if "Forum" in x.title]
    assert (forum.all_day, forum.postcode, forum.city) == (False, "37000", "Tours")


def test_a_struck_row_is_a_cancelled_event(prose_db: str) -> None:
    [visit] = [x for x in _listings(prose_db, "cress-corse") if "Ricuperu" in x.title]
    assert visit.status == "cancelled"


def test_the_agenda_page_of_prose_lines_is_read(prose_db: str) -> None:
    found = {(x.title, x.city) for x in _listings(prose_db, "grenier-des-possibles")}
    assert ("Repair café", "Lisieux") in found


def test_a_listing_keeps_the_verdicts_of_its_posts_candidates(prose_db: str) -> None:
    [listing, *_] = [x for x in _listings(prose_db, "cress-aura") if x.key.endswith("#2027-02-16")]
    raw: dict[str, Any] = listing.raw
    assert any("2026-12-08" in note and "not an event" in note for note in raw["verdicts"])


def test_the_run_counts_candidates_and_pdfs(prose_db: str) -> None:
    with get_sessionmaker(prose_db)() as session:
        query = select(CrawlRun).join(Source).where(Source.name == "pole-ess-tarn")
        run = session.scalars(query).one()
    assert run.status == "succeeded"
    assert "ess/rss/pdf" in run.log_tail and "candidate_rejected" in run.log_tail
