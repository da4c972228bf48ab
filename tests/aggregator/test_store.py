"""Storing a crawl's listings (the crawl process), then finishing its run (the aggregator): upserts by
content hash, removals only after a complete crawl, counters true at every ending."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from aggregator import finish
from aggregator.crawl import CLI, claim_run, close_run
from aggregator.db import get_sessionmaker, retrying
from aggregator.dedup.merge import RETIRED_NOTE
from aggregator.executors import CrawlJob, Outcome
from aggregator.models import CrawlRun, Event, Listing, Source
from aggregator.normalize import normalize_item
from aggregator.normalize.listing import ListingFields
from aggregator.runs import CrawlNotes, CrawlRecorder
from aggregator.store import DuplicateKey
from tests.helpers import save

FINISHED = {"response_received_count": 3, "robotstxt/response_count": 1, "ess/not_modified": 1}


def open_crawl(
    db_url: str, errors: tuple[str, ...] = (), batch_size: int = 2
) -> tuple[CrawlJob, CrawlRecorder]:
    """A claimed run and the recorder its crawl process would open."""
    job = claim_run("asso", CLI, db_url)
    notes = CrawlNotes(errors=list(errors), stats=lambda: FINISHED)
    return job, CrawlRecorder.open("asso", job.run_id, db_url, batch_size, notes)


def ended(job: CrawlJob, recorder: CrawlRecorder, reason: str = "finished") -> CrawlRun:
    """The crawl records its end; the process that launched it finishes the run."""
    recorder.end(reason)
    close_run(job, Outcome())
    with get_sessionmaker(job.database_url)() as session:
        run = session.get(CrawlRun, job.run_id)
        assert run is not None
        return run


def event(key: str, title: str = "Atelier vélo", **extra: Any) -> ListingFields:
    item = {"key": key, "title": title, "start": datetime(2026, 12, 5, 14), "timezone": "Europe/Paris"}
    return normalize_item(item | {"city": "Brest", "postcode": "29200"} | extra)


def test_a_normalized_listing_gives_every_column_but_those_of_the_store_and_the_dedup():
    # The store writes what normalization gives as it is: a field the Listing table lacks would fail.
    not_given = {"id", "source_id", "event_id", "first_seen", "last_seen", "changed_at", "removed"}
    not_given |= {"removed_at", "missed_crawls", "moved_from"}
    assert ListingFields.__required_keys__ == set(Listing.__table__.columns.keys()) - not_given


@pytest.fixture
def source(db_url: str) -> str:
    with get_sessionmaker(db_url).begin() as session:
        session.add(Source(name="asso", kind="tribe", url="http://127.0.0.1/feed"))
    return "asso"


def crawl(
    db_url: str,
    items: list[dict[str, Any]],
    reason: str = "finished",
    errors: tuple[str, ...] = (),
    keep: tuple[str, ...] = (),
) -> CrawlRun:
    """One crawl of the source through the recorder, as the store pipeline drives it, then finished."""
    job, recorder = open_crawl(db_url, errors)
    for item in items:
        save(recorder, item)
    for key in keep:
        recorder.keep(key)
    return ended(job, recorder, reason)


def stored(db_url: str) -> dict[str, Listing]:
    with get_sessionmaker(db_url)() as session:
        return {listing.key: listing for listing in session.scalars(select(Listing))}


def test_new_unchanged_updated(db_url, source):
    first = crawl(db_url, [event("1"), event("2"), event("3")])
    assert (first.status, first.listings_new, first.listings_found) == ("succeeded", 3, 3)
    assert (first.pages, first.not_modified) == (2, 1)
    before = stored(db_url)
    second = crawl(db_url, [event("1"), event("2"), event("3", title="Atelier vélo et couture")])
    assert (second.listings_new, second.listings_updated, second.listings_unchanged) == (0, 1, 2)
    after = stored(db_url)
    assert after["1"].changed_at == before["1"].changed_at  # not rewritten
    assert after["1"].last_seen > before["1"].last_seen  # but seen
    assert after["3"].title == "Atelier vélo et couture" and after["3"].changed_at > before["3"].changed_at
    assert after["3"].first_seen == before["3"].first_seen and after["3"].id == before["3"].id


def test_a_listing_missing_from_a_complete_crawl_is_marked_removed_never_deleted(db_url, source):
    crawl(db_url, [event("1"), event("2")])
    run = crawl(db_url, [event("1")])
    assert run.listings_removed == 1
    gone = stored(db_url)["2"]
    assert gone.removed and gone.removed_at is not None and gone.missed_crawls == 1
    back = crawl(db_url, [event("1"), event("2")])
    assert (back.listings_updated, back.listings_removed) == (1, 0)
    assert not stored(db_url)["2"].removed


def statuses(db_url: str) -> dict[str, tuple[str, str | None]]:
    with get_sessionmaker(db_url)() as session:
        return {e.title: (e.status, e.status_note) for e in session.scalars(select(Event))}


def test_the_crawl_that_misses_a_removed_listing_long_enough_retires_its_event(db_url, source):
    coming = datetime.now().replace(microsecond=0) + timedelta(days=30)
    forum = event("2", title="Forum de l'ESS", start=coming, city="Quimper", postcode="29000")
    crawl(db_url, [event("1"), forum])
    crawl(db_url, [event("1")])
    assert statuses(db_url)["Forum de l'ESS"] == ("confirmed", None)  # removed once: it stands
    crawl(db_url, [event("1")])  # missed again: no listing changed, yet the event is retired
    assert statuses(db_url) == {
        "Atelier vélo": ("confirmed", None),
        "Forum de l'ESS": ("cancelled", RETIRED_NOTE),
    }
    crawl(db_url, [event("1"), forum])
    assert statuses(db_url)["Forum de l'ESS"] == ("confirmed", None)


def test_a_page_payload_is_kept_as_json_whatever_it_holds(db_url, source):
    # Split emoji halves no database stores, a date and a tuple JSON has no type for.
    payload = {"name": "Apéro \ud83d", "startDate": datetime(2026, 12, 5, 14), "offers": (1, 2)}
    crawl(db_url, [event("1", raw=payload)])
    kept = {"name": "Apéro ?", "startDate": "2026-12-05 14:00:00", "offers": [1, 2]}
    assert stored(db_url)["1"].raw == kept


@pytest.mark.parametrize(
    ("reason", "errors", "status"),
    [
        ("finished", ("http://127.0.0.1/feed?page=2: HTTP 500",), "partial"),
        ("closespider_pagecount", (), "partial"),
        ("shutdown", (), "cancelled"),
        ("closespider_timeout", (), "timed_out"),
    ],
)
def test_an_incomplete_crawl_marks_nothing_removed(db_url, source, reason, errors, status):
    crawl(db_url, [event("1"), event("2")])
    run = crawl(db_url, [event("1")], reason=reason, errors=errors)
    assert (run.status, run.listings_removed) == (status, 0)
    assert not any(listing.removed for listing in stored(db_url).values())


def test_a_failed_crawl_marks_nothing_removed(db_url, source):
    crawl(db_url, [event("1")])
    run = crawl(db_url, [], errors=("http://127.0.0.1/feed: HTTP 500",))
    assert (run.status, run.error_count, run.errors) == ("failed", 1, ["http://127.0.0.1/feed: HTTP 500"])
    assert not stored(db_url)["1"].removed


def test_an_empty_crawl_of_a_source_that_had_listings_is_suspect(db_url, source):
    crawl(db_url, [event("1")])
    run = crawl(db_url, [])
    assert (run.status, run.suspect, run.listings_removed) == ("succeeded", True, 0)
    assert not stored(db_url)["1"].removed


def test_a_key_given_twice_is_refused(db_url, source):
    job, recorder = open_crawl(db_url)
    save(recorder, event("1"))
    with pytest.raises(DuplicateKey):
        save(recorder, event("1", title="Autre"))
    run = ended(job, recorder)
    assert run.listings_found == 1 and any("repeated a key" in e for e in run.errors)


def test_a_listing_whose_new_version_was_rejected_is_kept(db_url, source):
    crawl(db_url, [event("1"), event("2")])
    run = crawl(db_url, [event("1")], keep=("2",))
    assert run.listings_removed == 0 and not stored(db_url)["2"].removed


def test_a_row_the_database_refuses_is_rejected_and_the_others_stored(db_url, source):
    broken = event("2") | {"start": None}
    run = crawl(db_url, [event("1"), broken, event("3")])
    assert sorted(stored(db_url)) == ["1", "3"]
    assert (run.listings_new, run.error_count) == (2, 1)
    assert run.errors[0].startswith("rejected: 'Atelier vélo' cannot be stored")
    assert run.status == "partial"  # a listing was lost: nothing may be marked removed


def test_batches_and_counters_are_committed_during_the_crawl(db_url, source):
    job, recorder = open_crawl(db_url)
    for key in ("1", "2", "3"):
        save(recorder, event(key))
    with get_sessionmaker(db_url)() as other:  # what a crawl killed now would show
        assert other.scalar(select(func.count(Listing.id))) == 2
        run = other.get(CrawlRun, job.run_id)
        assert (run.status, run.pages, run.listings_found, run.listings_new) == ("running", 2, 2, 2)
    run = ended(job, recorder)
    assert len(stored(db_url)) == 3


def test_a_crawl_killed_before_it_ended_keeps_its_counters_and_fails(db_url, source):
    job, recorder = open_crawl(db_url)
    for key in ("1", "2", "3"):
        save(recorder, event(key))
    recorder.write()
    recorder.session.close()  # killed: no end recorded
    run = close_run(job, Outcome(exit_code=-9, failure="crawl process killed by SIGKILL"))
    with get_sessionmaker(db_url)() as session:
        stored_run = session.get(CrawlRun, job.run_id)
    assert run.status == "failed"
    assert (stored_run.pages, stored_run.listings_new, stored_run.events_created) == (2, 3, 3)
    assert stored_run.errors[0] == "crawl process killed by SIGKILL"


def test_a_timed_out_crawl_shows_what_it_did(db_url, source):
    job, recorder = open_crawl(db_url)
    save(recorder, event("1"))
    run = ended(job, recorder, reason="closespider_timeout")
    assert (run.status, run.pages, run.listings_new, run.listings_removed) == ("timed_out", 2, 1, 0)


def test_the_listings_are_placed_in_events_when_the_crawl_ends(db_url, source):
    job, recorder = open_crawl(db_url)
    for key in ("1", "2", "3"):
        save(recorder, event(key, title=f"Atelier n°{key}"))
    run = ended(job, recorder)
    assert (run.events_created, run.events_merged, run.error_count) == (3, 0, 0)
    assert all(listing.event_id for listing in stored(db_url).values())
    with get_sessionmaker(db_url)() as session:  # and their fragments rendered
        assert all("BEGIN:VEVENT" in (text or "") for text in session.scalars(select(Event.vevent)))


def test_a_dedup_failing_at_the_end_is_an_error_and_its_listings_wait_for_the_next(
    db_url, source, monkeypatch
):
    real = finish.deduplicate
    calls: list[set[int]] = []

    def fails_first(session: Any, ids: Any) -> Any:
        calls.append(set(ids))
        if len(calls) == 1:
            raise RuntimeError("lock timeout")
        return real(session, ids)

    monkeypatch.setattr(finish, "deduplicate", fails_first)
    run = crawl(db_url, [event("1", title="Atelier n°1"), event("2", title="Atelier n°2")])
    assert run.error_count == 1 and run.errors[-1] == "deduplication failed: lock timeout"
    again = crawl(db_url, [event("1", title="Atelier n°1"), event("2", title="Atelier n°2")])
    assert calls[1] == calls[0]  # the unplaced listings, again
    assert (again.events_created, again.error_count, again.status) == (2, 0, "succeeded")
    assert all(listing.event_id for listing in stored(db_url).values())


def test_a_busy_database_is_waited_for_and_the_write_retried(db_url, source, monkeypatch):
    monkeypatch.setattr("aggregator.db.BUSY_FIRST_WAIT", 0.01)
    job, recorder = open_crawl(db_url)
    save(recorder, event("1"))
    real, refusals = recorder.session.commit, []

    def busy_twice() -> None:
        if len(refusals) < 2:
            refusals.append(1)
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
        real()

    monkeypatch.setattr(recorder.session, "commit", busy_twice)
    recorder.write()
    monkeypatch.setattr(recorder.session, "commit", real)
    run = ended(job, recorder)
    assert len(refusals) == 2 and (run.status, run.listings_new, run.error_count) == ("succeeded", 1, 0)
    assert sorted(stored(db_url)) == ["1"]


def test_only_a_busy_database_is_retried(db_url, source):
    calls = []

    def refused() -> None:
        calls.append(1)
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: listing"))

    with get_sessionmaker(db_url)() as session, pytest.raises(OperationalError):
        retrying(session, refused)
    assert len(calls) == 1
