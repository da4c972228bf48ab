"""The scheduler: jobs follow the sources within seconds, crawls never overlap, one scheduler leads."""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from aggregator.cron import PARIS
from aggregator.db import get_engine, get_sessionmaker
from aggregator.executors import CrawlJob, Outcome, Watch
from aggregator.lease import Lease, lease_state
from aggregator.models import CrawlRun, Source
from aggregator.scheduler import CrawlScheduler, Timing, scheduled_runs
from aggregator.schema import upgrade
from aggregator.types import utcnow
from tests.crawl_helpers import add_source, alive, runs_of, slow_site, wait_for
from tests.helpers import cli

QUICK = Timing(reconcile_interval=0.3, heartbeat_interval=0.2, lease_ttl=2.0)


class HeldExecutor:
    """Crawls that last until the test lets them end, then close their run as a spider would."""

    name = "held"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[CrawlJob] = []

    def run(self, job: CrawlJob, watch: Watch) -> Outcome:
        watch.started("held")
        self.started.append(job)
        while not self.release.wait(0.05):
            if watch.cancel_requested():
                return Outcome(cancelled=True)
        with get_sessionmaker(job.database_url).begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == job.run_id)
                .values(status="succeeded", finished_at=utcnow())
            )
        return Outcome(exit_code=0)

    def shutdown(self) -> None:
        self.release.set()


@contextmanager
def running_scheduler(url: str, executor: HeldExecutor, max_crawls: int = 2) -> Iterator[CrawlScheduler]:
    scheduler = CrawlScheduler(
        database_url=url,
        executor_factory=lambda: executor,
        max_crawls=max_crawls,
        jitter=0,
        timing=QUICK,
        identity=f"test-{uuid.uuid4().hex[:6]}",
    )
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    try:
        wait_for(scheduler.leading.is_set, timeout=10)
        yield scheduler
    finally:
        stop.set()
        executor.release.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_jobs_follow_the_sources_within_ten_seconds(db_url):
    with running_scheduler(db_url, HeldExecutor()) as scheduler:
        aps = scheduler.aps
        assert aps is not None
        add = ("sources", "add", "http://127.0.0.1:9/agenda.ics", "--name", "fresh", "--kind", "ical")
        assert cli(*add, "--schedule", "15 8 * * 1-5").exit_code == 0
        job = wait_for(lambda: aps.get_job("crawl:fresh"), timeout=10)
        assert "day_of_week='mon-fri', hour='8', minute='15'" in str(job.trigger)
        assert job.next_run_time.tzinfo == PARIS
        assert (job.next_run_time.weekday(), job.next_run_time.hour, job.next_run_time.minute) < (5, 8, 16)
        with get_sessionmaker(db_url)() as session:
            assert scheduled_runs(session)["fresh"] == job.next_run_time

        with get_sessionmaker(db_url).begin() as session:
            session.execute(update(Source).where(Source.name == "fresh").values(schedule="0 20 * * 0"))
        wait_for(
            lambda: "day_of_week='sun', hour='20'" in str(aps.get_job("crawl:fresh").trigger), timeout=10
        )

        assert cli("sources", "disable", "fresh").exit_code == 0
        wait_for(lambda: aps.get_job("crawl:fresh") is None, timeout=10)

        assert cli("sources", "run", "fresh").exit_code == 0  # an operator may still crawl it by hand
        (run,) = wait_for(lambda: runs_of(db_url, "fresh"), timeout=10)
        assert run.trigger == "manual"
        wait_for(lambda: _requested_at(db_url, run.source_id) is None, timeout=10)  # the request is consumed


def _requested_at(db_url: str, source_id: int) -> datetime | None:
    with get_sessionmaker(db_url)() as session:
        return session.scalar(select(Source.run_requested_at).where(Source.id == source_id))


def test_a_source_without_schedule_is_crawled_every_six_hours(db_url):
    add_source(db_url, "plain", "ical", "http://127.0.0.1:9/agenda.ics")
    with running_scheduler(db_url, HeldExecutor()) as scheduler:
        assert scheduler.aps is not None
        job = wait_for(lambda: scheduler.aps.get_job("crawl:plain"), timeout=10)  # type: ignore[union-attr]
        hours = [t.hour for t in _fire_times(job.trigger, 4)]
        assert [(b - a) % 24 for a, b in itertools.pairwise(hours)] == [6, 6, 6]


def _fire_times(trigger: object, count: int) -> list[datetime]:
    times: list[datetime] = []
    now = datetime.now(PARIS)
    while len(times) < count:
        fire = trigger.get_next_fire_time(times[-1] if times else None, now)  # type: ignore[attr-defined]
        times.append(fire)
        now = fire + timedelta(seconds=1)
    return times


def test_run_now_meeting_the_schedule_starts_one_crawl(db_url, caplog):
    caplog.set_level(logging.INFO, logger="aggregator.scheduler")
    executor = HeldExecutor()
    add_source(db_url, "busy", "ical", "http://127.0.0.1:9/agenda.ics")
    with running_scheduler(db_url, executor) as scheduler:
        aps = scheduler.aps
        assert aps is not None
        wait_for(lambda: aps.get_job("crawl:busy"), timeout=10)
        # The operator asks for a crawl at the very moment the schedule fires one.
        assert cli("sources", "run", "busy").exit_code == 0
        aps.modify_job("crawl:busy", next_run_time=datetime.now(PARIS))
        wait_for(lambda: "busy is already being crawled" in caplog.text, timeout=10)
        assert len(executor.started) == 1
        (run,) = runs_of(db_url, "busy")
        assert run.status == "running"
        executor.release.set()
        wait_for(lambda: runs_of(db_url, "busy")[0].status == "succeeded", timeout=10)
    assert len(runs_of(db_url, "busy")) == 1


def test_crawls_wait_for_a_free_slot(db_url):
    executor = HeldExecutor()
    for name in ("first", "second"):
        add_source(db_url, name, "ical", "http://127.0.0.1:9/agenda.ics", run_requested_at=utcnow())
    with running_scheduler(db_url, executor, max_crawls=1):
        wait_for(lambda: executor.started, timeout=10)
        time.sleep(1)  # the other request had every chance to start
        assert len(executor.started) == 1
        executor.release.set()
        wait_for(lambda: len(executor.started) == 2, timeout=10)
    assert {job.source_name for job in executor.started} == {"first", "second"}


def test_one_lease_holder_and_takeover_after_silence(db_url):
    sessions = get_sessionmaker(db_url)
    first, second = Lease(sessions, "host:1", ttl=0.5), Lease(sessions, "host:2", ttl=0.5)
    assert first.acquire()
    assert not second.acquire()
    assert first.renew() and first.acquire()  # holding it again is harmless
    time.sleep(0.6)
    assert second.acquire() and second.previous_holder == "host:1"
    assert not first.renew()
    second.release()
    with sessions() as session:
        assert lease_state(session) is None


def test_standbys_racing_for_an_expired_lease_one_wins(db_url):
    sessions = get_sessionmaker(db_url)
    assert Lease(sessions, "gone:1", ttl=0.2).acquire()
    time.sleep(0.3)
    barrier = threading.Barrier(6)
    won: list[str] = []

    def race(index: int) -> None:
        lease = Lease(sessions, f"standby:{index}", ttl=0.2)
        barrier.wait()
        if lease.acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with sessions() as session:
        state = lease_state(session)
        assert state is not None and state.holder == won[0]


def start_scheduler(log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "aggregator.cli", "scheduler",
        "--reconcile-interval", "0.5", "--heartbeat-interval", "0.3", "--lease-ttl", "3",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def holder(url: str) -> str | None:
    with get_sessionmaker(url)() as session:
        state = lease_state(session)
        return state.holder if state else None


def test_killed_scheduler_standby_takes_over_and_closes_its_runs(pg_db_url, tmp_path):
    """Real processes on the database schedulers of several hosts share: PostgreSQL."""
    db_url = pg_db_url
    active = start_scheduler(tmp_path / "active.log")
    standby = None
    try:
        wait_for(lambda: (holder(db_url) or "").endswith(f":{active.pid}"), timeout=60)
        standby = start_scheduler(tmp_path / "standby.log")
        with slow_site(delay=120) as site:
            add_source(db_url, "slow", "ical", f"{site.base}/agenda.ics")
            assert cli("sources", "run", "slow").exit_code == 0
            (run,) = wait_for(lambda: [r for r in runs_of(db_url, "slow") if r.pid], timeout=60)
            assert alive(run.pid)

            active.send_signal(signal.SIGKILL)
            active.wait(timeout=10)
            wait_for(lambda: (holder(db_url) or "").endswith(f":{standby.pid}"), timeout=15)
            (closed,) = wait_for(lambda: [r for r in runs_of(db_url, "slow") if r.status != "running"])
            assert closed.status == "failed"
            assert closed.errors[0] == f"its supervisor {run.node} stopped while it ran"
            wait_for(lambda: not alive(run.pid), timeout=10)  # died with its scheduler

        assert (
            cli("sources", "add", "http://127.0.0.1:9/x.ics", "--name", "later", "--kind", "ical").exit_code
            == 0
        )

        def scheduled_by_standby() -> bool:
            with get_sessionmaker(db_url)() as session:
                return "later" in scheduled_runs(session)

        wait_for(scheduled_by_standby, timeout=10)
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=30) == 0
        assert holder(db_url) is None  # a stopping scheduler hands the lease back at once
    finally:
        for proc in (active, standby):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def pg_db_url(pg_schema_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    upgrade(get_engine(pg_schema_url))
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", pg_schema_url)
    return pg_schema_url


@pytest.fixture(autouse=True)
def _no_stray_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESS_AGENDA_EXECUTOR", raising=False)
    monkeypatch.setenv("ESS_AGENDA_SCHEDULE_JITTER", "0")
    os.environ.setdefault("ESS_AGENDA_LOG_LEVEL", "INFO")
