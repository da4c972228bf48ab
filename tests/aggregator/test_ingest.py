"""The ingest process: a crawl's items are normalized and stored there and the run is closed; its
failures reach the crawl as errors, never as a hang."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from aggregator.crawl import CLI, claim_run
from aggregator.db import get_sessionmaker
from aggregator.executors.local import PROJECT_ROOT
from aggregator.ingest import CrawlEnd, Ingester, IngestJob
from aggregator.models import CrawlRun, Event, HttpCache, Listing
from aggregator.runs import SUCCEEDED
from aggregator.sources import upsert_sources, validate_source
from aggregator.types import utcnow
from tests.crawl_helpers import alive, wait_for

PARIS = ZoneInfo("Europe/Paris")
FINISHED = CrawlEnd("finished", {"response_received_count": 3})


def item(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "key": f"https://recyclerie.example/agenda/{number}/",
        "title": f"Atelier réparation n°{number}",
        "start": datetime(2026, 12, 1 + number % 28, 14, tzinfo=PARIS),
        "city": "Brest",
        "postcode": "29200",
        "raw": {"id": number},
        **fields,
    }


def claimed_run(database_url: str) -> int:
    spec = validate_source({"name": "recyclerie", "kind": "jsonld", "url": "http://127.0.0.1/agenda/"})
    with get_sessionmaker(database_url).begin() as session:
        upsert_sources(session, [spec])
    return claim_run("recyclerie", CLI, database_url).run_id


def test_items_are_stored_the_run_closed_and_its_listings_deduplicated(db_url: str) -> None:
    run_id = claimed_run(db_url)
    ingester = Ingester(IngestJob("recyclerie", run_id, db_url, batch_size=2, default_region="Bretagne"))
    for number in range(5):
        ingester.add(item(number))
    ingester.add(item(9, title=""))  # rejected by normalization
    ingester.add(item(0))  # a key given twice
    end = CrawlEnd(
        "finished", {"response_received_count": 3}, rejected=["a block without a date"], kept_keys=[]
    )
    report = ingester.close(end)

    assert report.error is None
    assert report.seconds["write"] >= 0 and report.seconds["dedup"] >= 0
    with get_sessionmaker(db_url)() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        assert (run.status, run.pages, run.listings_new, run.events_created) == (SUCCEEDED, 3, 5, 5)
        assert run.errors[:2] == ["rejected: a block without a date", "rejected: no title"]
        assert run.errors[2] == "warning: 1 items repeated a key already given"
        assert session.scalar(select(func.count(Event.id))) == 5
        regions = set(session.scalars(select(Listing.region)))
        assert regions == {"Bretagne"}


def remembered(url: str | None, etag: str = '"v1"') -> dict[str, Any]:
    return {
        "url": url,
        "etag": etag,
        "last_modified": None,
        "content_type": "text/html",
        "body": b"<p>agenda</p>",
        "updated_at": utcnow(),
    }


def test_remembered_responses_are_written_by_the_ingest_process(db_url: str) -> None:
    run_id = claimed_run(db_url)
    ingester = Ingester(IngestJob("recyclerie", run_id, db_url, batch_size=10))
    ingester.add(item(1))
    ingester.remember(remembered("http://127.0.0.1/agenda/"))
    ingester.remember(remembered("http://127.0.0.1/agenda/", etag='"v2"'))  # the last one counts
    assert ingester.close(FINISHED).error is None
    with get_sessionmaker(db_url)() as session:
        cached = session.get(HttpCache, "http://127.0.0.1/agenda/")
        assert cached is not None and (cached.etag, cached.body) == ('"v2"', b"<p>agenda</p>")


def test_responses_the_database_refuses_cost_no_listing(db_url: str) -> None:
    run_id = claimed_run(db_url)
    ingester = Ingester(IngestJob("recyclerie", run_id, db_url, batch_size=10))
    for number in range(3):
        ingester.add(item(number))
    ingester.remember(remembered(None))  # no URL: the database refuses the row
    assert ingester.close(FINISHED).error is None
    with get_sessionmaker(db_url)() as session:
        assert session.scalar(select(func.count(Listing.id))) == 3
        assert session.scalar(select(func.count()).select_from(HttpCache)) == 0
        run = session.get(CrawlRun, run_id)
        assert run is not None and (run.status, run.error_count) == (SUCCEEDED, 0)


def test_an_item_that_cannot_be_handed_over_is_refused_alone(sqlite_db: str) -> None:
    run_id = claimed_run(sqlite_db)
    ingester = Ingester(IngestJob("recyclerie", run_id, sqlite_db, batch_size=10))
    ingester.add(item(1))
    with pytest.raises((AttributeError, pickle.PicklingError)):  # a local function cannot be pickled
        ingester.add(item(2, raw={"parser": lambda: None}))
    ingester.add(item(3))
    assert ingester.close(FINISHED).error is None
    with get_sessionmaker(sqlite_db)() as session:
        assert session.scalar(select(func.count(Listing.id))) == 2


def test_a_crawl_of_no_source_is_told_that_nothing_was_stored(sqlite_db: str) -> None:
    ingester = Ingester(IngestJob("nowhere", None, sqlite_db, batch_size=10))
    ingester.add(item(1))
    report = ingester.close(FINISHED)
    assert report.error == "nothing was stored: no source named 'nowhere'"


def test_an_ingest_process_that_dies_is_an_error_of_the_crawl(tmp_path: Path) -> None:
    unmigrated = f"sqlite:///{tmp_path / 'no-tables.sqlite3'}"  # opening the run fails there
    ingester = Ingester(IngestJob("recyclerie", None, unmigrated, batch_size=10))
    ingester.add(item(1))
    report = ingester.close(FINISHED)
    assert report.error is not None and "ingest process" in report.error


HAND_OVER_UNTIL_TOLD = """
import sys
from datetime import datetime
from aggregator.ingest import IngestFailed, Ingester, IngestJob
ingester = Ingester(IngestJob("recyclerie", None, sys.argv[1], batch_size=10))
try:
    for number in range(100_000):  # batches keep being handed over until the death is seen
        ingester.add({"key": str(number), "title": "Atelier", "start": datetime(2026, 12, 1)})
except IngestFailed as exc:
    print(exc)
"""


def test_a_crawl_handing_items_to_a_dead_ingest_process_is_told_and_can_exit(tmp_path: Path) -> None:
    unmigrated = f"sqlite:///{tmp_path / 'no-tables.sqlite3'}"  # opening the run fails there
    crawl = subprocess.run(
        [sys.executable, "-c", HAND_OVER_UNTIL_TOLD, unmigrated],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # the items it could not hand over must not keep it from exiting
    )
    assert crawl.returncode == 0
    assert crawl.stdout.startswith("the ingest process died")


def test_an_interrupt_stops_the_crawl_not_its_ingest_process(sqlite_db: str) -> None:
    """Ctrl-C signals a terminal's whole process group; the crawl closes its run afterwards."""
    run_id = claimed_run(sqlite_db)
    others = set(multiprocessing.active_children())
    ingester = Ingester(IngestJob("recyclerie", run_id, sqlite_db, batch_size=10))
    ingester.add(item(1))
    (process,) = set(multiprocessing.active_children()) - others
    time.sleep(1)  # the process is up and waiting for items
    assert process.pid is not None
    os.kill(process.pid, signal.SIGINT)
    ingester.add(item(2))
    assert ingester.close(FINISHED).error is None
    with get_sessionmaker(sqlite_db)() as session:
        assert session.scalar(select(func.count(Listing.id))) == 2


LEAVE_WITHOUT_CLOSING = """
import sys, time
from datetime import datetime
from aggregator.ingest import Ingester, IngestJob
ingester = Ingester(IngestJob("recyclerie", None, sys.argv[1], batch_size=10))
ingester.add({"key": "k", "title": "Atelier", "start": datetime(2026, 12, 1)})
time.sleep(2)  # the ingest process is up and waiting for more
"""


def test_a_crawl_that_never_closed_its_ingest_process_still_exits(sqlite_db: str) -> None:
    crawl = subprocess.run(
        [sys.executable, "-c", LEAVE_WITHOUT_CLOSING, sqlite_db], cwd=PROJECT_ROOT, timeout=60, check=False
    )
    assert crawl.returncode == 0


CRAWL_THEN_DIE = """
import multiprocessing, sys, time
from aggregator.ingest import Ingester, IngestJob
ingester = Ingester(IngestJob("recyclerie", None, sys.argv[1], batch_size=10))
print(multiprocessing.active_children()[0].pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(
    sys.platform != "linux", reason="a parent's death is signalled to its children on Linux only"
)
def test_the_ingest_process_dies_with_its_crawl(sqlite_db: str) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", CRAWL_THEN_DIE, sqlite_db], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    ) as crawl:
        assert crawl.stdout is not None
        ingest_pid = int(crawl.stdout.readline())
        crawl.send_signal(signal.SIGKILL)
    wait_for(lambda: not alive(ingest_pid), timeout=10)


def test_the_ingest_process_logs_where_its_crawl_does(sqlite_db: str, tmp_path: Path) -> None:
    log = tmp_path / "crawl.log"
    job = IngestJob("recyclerie", claimed_run(sqlite_db), sqlite_db, batch_size=10, log_file=str(log))
    ingester = Ingester(job)
    ingester.add(item(1, title=""))
    assert ingester.close(FINISHED).error is None
    assert "WARNING: rejected: no title" in log.read_text()
