"""Crawl execution: each crawl in its own process, its end recorded however it ended."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from aggregator.crawl import AlreadyRunning, claim_run, close_orphaned_runs, run_crawl
from aggregator.db import get_sessionmaker
from aggregator.executors import CrawlJob
from aggregator.executors.local import LocalExecutor
from aggregator.models import CrawlRun
from aggregator.types import utcnow
from tests.crawl_helpers import add_source, alive, runs_of, slow_site
from tests.helpers import cli

TEST_KINDS = {"SPIDER_MODULES": "spiders.kinds,tests.aggregator.crawl_kinds"}


def quick_executor() -> LocalExecutor:
    """Seconds, not minutes, between the time limit, SIGTERM and SIGKILL."""
    return LocalExecutor(term_grace=1, kill_grace=1, poll_interval=0.2, settings=TEST_KINDS)


def test_a_crawl_that_hangs_or_crashes_is_recorded_timed_out_or_failed(sqlite_db, samples_base):
    limit = {"settings": {"CLOSESPIDER_TIMEOUT": 1}}
    add_source(sqlite_db, "hangs", "test-hang", f"{samples_base}/", options=limit)
    add_source(sqlite_db, "crashes", "test-crash", f"{samples_base}/")
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        crawls = pool.map(lambda name: run_crawl(name, database_url=sqlite_db, executor=quick_executor()),
                          ["hangs", "crashes"])  # fmt: skip
        assert [result.status for result in crawls] == ["timed_out", "failed"]
    assert time.monotonic() - started < 30
    (hung,) = runs_of(sqlite_db, "hangs")
    assert hung.status == "timed_out" and hung.finished_at is not None
    assert hung.errors[0] == "time limit of 1 s reached"
    assert hung.pid is not None and not alive(hung.pid)
    (crashed,) = runs_of(sqlite_db, "crashes")
    assert crashed.errors[0] == "crawl process exited with code 3"
    assert "about to crash" in crashed.log_tail
    assert crashed.trigger == "cli" and crashed.finished_at is not None


def test_a_crawl_that_ignores_sigterm_is_killed():
    ignores_term = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
        "time.sleep(60)"
    )
    job = CrawlJob(run_id=0, source_name="stubborn", kind="none", time_limit=0.5)
    with subprocess.Popen([sys.executable, "-c", ignores_term], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        started = time.monotonic()
        code, timed_out, cancelled = quick_executor()._supervise(proc, job, NeverCancelled())
    assert (code, timed_out, cancelled) == (-signal.SIGKILL, True, False)
    assert 2 <= time.monotonic() - started < 10  # limit + SIGTERM grace, then SIGKILL grace


class NeverCancelled:
    def started(self, node: str, pid: int | None = None, job_id: str | None = None) -> None:
        pass

    def cancel_requested(self) -> bool:
        return False


def test_cancel_from_the_cli_stops_a_running_crawl(sqlite_db):
    with slow_site(delay=60) as site:
        add_source(sqlite_db, "slow", "ical", f"{site.base}/agenda.ics")
        results = []
        crawl = threading.Thread(
            target=lambda: results.append(
                run_crawl("slow", database_url=sqlite_db, executor=quick_executor())
            )
        )
        crawl.start()
        assert site.requested.wait(30)  # the spider is waiting for the page
        (run,) = runs_of(sqlite_db, "slow")
        assert cli("runs", "cancel", str(run.id)).exit_code == 0
        crawl.join(timeout=30)
    assert results and results[0].status == "cancelled"
    (run,) = runs_of(sqlite_db, "slow")
    assert run.status == "cancelled" and run.cancel_requested
    assert "shutting down gracefully" in run.log_tail  # Scrapy's own stop first…
    assert run.errors == ["cancelled: still running 1 s after SIGTERM, killed"]  # …cut short
    assert not alive(run.pid)
    assert cli("runs", "cancel", str(run.id)).exit_code == 1  # no longer running


def test_one_running_crawl_per_source_even_when_claims_race(db_url):
    add_source(db_url, "contended", "ical", "http://127.0.0.1:9/agenda.ics")
    barrier = threading.Barrier(8)

    def claim(_: int) -> int | None:
        barrier.wait()
        try:
            return claim_run("contended", "manual", db_url).run_id
        except AlreadyRunning:
            return None

    with ThreadPoolExecutor(8) as pool:
        claimed = [run_id for run_id in pool.map(claim, range(8)) if run_id is not None]
    assert len(claimed) == 1
    with get_sessionmaker(db_url).begin() as session:
        run = session.get(CrawlRun, claimed[0])
        assert run is not None
        run.status = "succeeded"
    assert claim_run("contended", "schedule", db_url).run_id > claimed[0]


def test_runs_whose_supervisor_died_are_closed_as_failed(db_url):
    host = socket.gethostname()
    supervisors = {
        "dead-here": f"{host}:{_dead_pid()}",
        "alive-here": f"{host}:{os.getpid()}",
        "previous-holder": "elsewhere:123",
        "other-elsewhere": "elsewhere:456",
        "overdue-elsewhere": "elsewhere:789",
        "on-scrapyd": "scrapyd http://127.0.0.1:6800/",
    }
    ids = {}
    for name, node in supervisors.items():
        add_source(db_url, name, "ical", "http://127.0.0.1:9/agenda.ics")
        ids[name] = claim_run(name, "schedule", db_url, node=node).run_id
    with get_sessionmaker(db_url).begin() as session:
        overdue = session.get(CrawlRun, ids["overdue-elsewhere"])
        assert overdue is not None
        overdue.started_at = utcnow() - timedelta(hours=3)  # 20 min allowed, plus graces and margin
    closed = close_orphaned_runs(get_sessionmaker(db_url), previous_holder="elsewhere:123")
    assert sorted(closed) == sorted([ids["dead-here"], ids["previous-holder"], ids["overdue-elsewhere"]])
    assert {name: _status(db_url, run_id) for name, run_id in ids.items()} == {
        "dead-here": "failed",
        "alive-here": "running",
        "previous-holder": "failed",
        "other-elsewhere": "running",
        "overdue-elsewhere": "failed",
        "on-scrapyd": "running",  # its job outlives the scheduler: followed again, not closed
    }


def _status(url: str, run_id: int) -> str:
    with get_sessionmaker(url)() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        return run.status


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(proc.stdout)
    assert not alive(pid)
    return pid


def test_a_run_whose_supervisor_died_is_closed_by_the_next_command_that_meets_it(db_url, monkeypatch):
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", db_url)
    host = socket.gethostname()
    for name in ("stuck", "listed", "cancelled"):
        add_source(db_url, name, "ical", "http://127.0.0.1:9/agenda.ics")
    stuck = claim_run("stuck", "cli", db_url, node=f"{host}:{_dead_pid()}").run_id
    again = claim_run("stuck", "cli", db_url).run_id  # a new crawl closes the orphaned run first
    assert again > stuck and _status(db_url, stuck) == "failed"
    listed = claim_run("listed", "cli", db_url, node=f"{host}:{_dead_pid()}").run_id
    assert cli("runs", "list").exit_code == 0 and _status(db_url, listed) == "failed"
    cancelled = claim_run("cancelled", "cli", db_url, node=f"{host}:{_dead_pid()}").run_id
    result = cli("runs", "cancel", str(cancelled))
    assert result.exit_code == 0 and result.output == f"run {cancelled} cancelled\n"
    assert _status(db_url, cancelled) == "cancelled"
    with pytest.raises(AlreadyRunning):  # a live supervisor's run stands
        claim_run("stuck", "cli", db_url)
