"""The crawl scheduler: ``ess-agenda scheduler``, one long-running process per deployment.

Source rows are the truth. The active scheduler reconciles APScheduler's jobs (kept in the shared
database, table apscheduler_jobs) with them every few seconds: one job per enabled source on its cron
schedule in Europe/Paris time, with jitter, coalesced, one instance at a time, an hour of misfire
grace; and one immediate job per "run now" request. Each job claims a run and hands it to the
executor, at most ``max_crawls`` at once.

Exactly one scheduler is active: the holder of the lease row (aggregator.lease), renewed with a
heartbeat. Others stand by and take over when the heartbeat stops; the new holder first closes the
runs its dead predecessor left running and follows again its Scrapyd jobs.

Settings read: ESS_AGENDA_DATABASE_URL, ESS_AGENDA_MAX_CRAWLS, ESS_AGENDA_SCHEDULE_JITTER,
ESS_AGENDA_EXECUTOR, ESS_AGENDA_SCRAPYD_URLS, ESS_AGENDA_CRAWL_TIME_LIMIT.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Column, Float, MetaData, Table, Unicode, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.config import get_settings
from aggregator.crawl import (
    MANUAL,
    SCHEDULE,
    AlreadyRunning,
    CrawlRefused,
    RunWatch,
    claim_run,
    close_orphaned_runs,
    close_run,
    execute,
    time_limit,
)
from aggregator.cron import PARIS, CronError, cron_trigger, effective_schedule
from aggregator.db import get_engine, get_sessionmaker
from aggregator.executors import CrawlJob, Executor, make_executor
from aggregator.executors.scrapyd import ScrapydExecutor, node_from_name
from aggregator.lease import Lease, process_identity
from aggregator.models import CrawlRun, Source
from aggregator.runs import RUNNING

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
SCHEDULED_JOB = "crawl:"
RUN_NOW_JOB = "now:"
FOLLOW_JOB = "follow:"

# The part of APScheduler's job table that pages read to show the next scheduled run.
_jobs = Table(
    JOBS_TABLE, MetaData(), Column("id", Unicode(191), primary_key=True), Column("next_run_time", Float(25))
)


@dataclass(frozen=True)
class Timing:
    """How often the scheduler looks and beats; short values make tests quick."""

    reconcile_interval: float = 5.0
    heartbeat_interval: float = 5.0
    lease_ttl: float = 30.0
    misfire_grace: int = 3600


_active: CrawlScheduler | None = None


def crawl_source(source_name: str, trigger: str = SCHEDULE) -> None:
    """The APScheduler job: crawl one source through the active scheduler of this process."""
    scheduler = _active
    if scheduler is None:
        logger.warning("no active scheduler to crawl %s", source_name)
        return
    scheduler.dispatch(source_name, trigger)


def follow_run(run_id: int) -> None:
    """The APScheduler job that follows a Scrapyd crawl started by a previous scheduler."""
    scheduler = _active
    if scheduler is not None:
        scheduler.follow(run_id)


@dataclass
class CrawlScheduler:
    """One scheduler process: stands by, or leads while it holds the lease."""

    database_url: str = field(default_factory=lambda: get_settings().database_url)
    executor_factory: Callable[[], Executor] = field(default=lambda: make_executor(get_settings()))
    max_crawls: int = field(default_factory=lambda: get_settings().max_crawls)
    jitter: int = field(default_factory=lambda: get_settings().schedule_jitter)
    timing: Timing = field(default_factory=Timing)
    identity: str = field(default_factory=process_identity)

    def __post_init__(self) -> None:
        self.sessions = get_sessionmaker(self.database_url)
        self.lease = Lease(self.sessions, self.identity, self.timing.lease_ttl)
        self.leading = threading.Event()
        self.aps: BackgroundScheduler | None = None
        self.executor: Executor | None = None
        self._slots = threading.BoundedSemaphore(max(1, self.max_crawls))
        # The run-now request each source's queued job answers, by its time.
        self._queued: dict[str, datetime] = {}
        self._invalid: dict[str, str] = {}

    # -- standing by and leading -----------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Stand by until the lease is ours, lead while it is; return once ``stop`` is set."""
        logger.info("scheduler %s started", self.identity)
        while not stop.is_set():
            try:
                acquired = self.lease.acquire()
            except SQLAlchemyError as exc:
                logger.error("lease unavailable: %s", exc)
                acquired = False
            if acquired:
                self._lead(stop)
            else:
                stop.wait(self.timing.heartbeat_interval)
        logger.info("scheduler %s stopped", self.identity)

    def _lead(self, stop: threading.Event) -> None:
        global _active
        previous = self.lease.previous_holder
        logger.info("scheduler %s is active%s", self.identity, f" (after {previous})" if previous else "")
        self.executor = self.executor_factory()
        self._queued.clear()
        self.aps = self._apscheduler()
        _active = self
        self.leading.set()
        try:
            self._take_over()
            self.aps.start()
            self._beat_and_reconcile(stop)
        finally:
            self.leading.clear()
            self.executor.shutdown()
            if self.aps.running:
                self.aps.shutdown(wait=True)
            _active = None
            if stop.is_set():
                self.lease.release()

    def _apscheduler(self) -> BackgroundScheduler:
        return BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=get_engine(self.database_url), tablename=JOBS_TABLE),
                "memory": MemoryJobStore(),
            },
            # Jobs waiting for a crawl slot hold a thread: leave room beyond the slots.
            executors={"default": ThreadPoolExecutor(self.max_crawls * 2 + 4)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.timing.misfire_grace,
            },
            timezone=PARIS,
        )

    def _beat_and_reconcile(self, stop: threading.Event) -> None:
        """Renew the lease and reconcile until stopped, or until the lease is lost."""
        timing = self.timing
        renewed = next_beat = next_reconcile = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + timing.heartbeat_interval
                try:
                    if not self.lease.renew():
                        logger.error("scheduler %s lost its lease; standing by", self.identity)
                        return
                    renewed = now
                except SQLAlchemyError as exc:
                    logger.error("heartbeat failed: %s", exc)
                    if now - renewed > timing.lease_ttl:
                        return
            if now >= next_reconcile:
                next_reconcile = now + timing.reconcile_interval
                try:
                    self.reconcile()
                except Exception:  # the scheduler outlives a bad pass; the next one retries
                    logger.exception("reconciliation failed")
            if stop.wait(max(0.0, min(next_beat, next_reconcile) - time.monotonic())):
                return

    def _take_over(self) -> None:
        """Close the runs a dead scheduler left running; follow again the Scrapyd jobs it started."""
        close_orphaned_runs(self.sessions, self.lease.previous_holder)
        with self.sessions() as session:
            runs = session.scalars(
                select(CrawlRun.id).where(CrawlRun.status == RUNNING, CrawlRun.node.startswith("scrapyd "))
            ).all()
        assert self.aps is not None
        for run_id in runs:
            self.aps.add_job(follow_run, args=[run_id], id=f"{FOLLOW_JOB}{run_id}", jobstore="memory")

    # -- reconciling ---------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Make the jobs match the sources: schedules, enabled flags and run-now requests."""
        aps = self.aps
        assert aps is not None
        with self.sessions() as session:
            rows = session.execute(
                select(Source.name, Source.schedule, Source.enabled, Source.run_requested_at)
            ).all()
        wanted: dict[str, tuple[str, CronTrigger]] = {}
        for name, schedule, enabled, _requested in rows:
            trigger = self._trigger(name, schedule) if enabled else None
            if trigger is not None:
                wanted[SCHEDULED_JOB + name] = (name, trigger)
        jobs = {job.id: job for job in aps.get_jobs(jobstore="default")}
        for job_id in jobs.keys() - wanted.keys():
            aps.remove_job(job_id, jobstore="default")
            logger.info("unscheduled %s", job_id.removeprefix(SCHEDULED_JOB))
        for job_id, (name, trigger) in wanted.items():
            job = jobs.get(job_id)
            if job is None:
                aps.add_job(crawl_source, trigger, args=[name], id=job_id, name=name, jobstore="default")
                logger.info("scheduled %s: %s", name, trigger)
            elif repr(job.trigger) != repr(trigger):
                job.reschedule(trigger)
                logger.info("rescheduled %s: %s", name, trigger)
        for name, _schedule, _enabled, requested in rows:
            if requested is not None:
                self._run_now(name, requested)
        # A crawl command of this host that died leaves a running run nobody else would close.
        close_orphaned_runs(self.sessions)

    def _trigger(self, name: str, schedule: str | None) -> CronTrigger | None:
        expression = effective_schedule(schedule, name)
        try:
            return cron_trigger(expression, self.jitter)
        except CronError as exc:
            if self._invalid.get(name) != expression:
                logger.error("source %s not scheduled: %s", name, exc)
                self._invalid[name] = expression
            return None

    def _run_now(self, name: str, requested_at: datetime) -> None:
        """Queue one immediate crawl per request; the claim of that crawl clears the request."""
        if self._queued.get(name) == requested_at:
            return
        self._queued[name] = requested_at
        assert self.aps is not None
        self.aps.add_job(
            crawl_source,
            args=[name, MANUAL],
            id=RUN_NOW_JOB + name,
            name=name,
            jobstore="memory",
            misfire_grace_time=None,
            replace_existing=True,
        )
        logger.info("run requested for %s", name)

    # -- crawling ------------------------------------------------------------------------------

    def dispatch(self, source_name: str, trigger: str) -> None:
        """Claim a run of the source and crawl it, once a crawl slot is free."""
        if not self._take_slot():
            return
        try:
            job = self._claim(source_name, trigger)
            if job is not None:
                assert self.executor is not None
                result = execute(job, self.executor)
                logger.info("%s (run %s, %s) %s", source_name, job.run_id, trigger, result.summary)
        finally:
            self._slots.release()

    def _claim(self, source_name: str, trigger: str) -> CrawlJob | None:
        try:
            return claim_run(
                source_name, trigger, self.database_url, node=self.identity, scheduled=trigger == SCHEDULE
            )
        except AlreadyRunning as exc:
            logger.info("not starting: %s", exc)
            if trigger == MANUAL:
                self._drop_request(source_name)
        except CrawlRefused as exc:
            logger.info("not starting: %s", exc)
        return None

    def follow(self, run_id: int) -> None:
        """Follow to its end a Scrapyd crawl a previous scheduler started."""
        with self.sessions() as session:
            run = session.get(CrawlRun, run_id)
            if run is None or run.status != RUNNING or not run.job_id:
                return
            node = node_from_name(run.node)
            source = run.source
            job = CrawlJob(
                run.id, source.name, source.kind,
                time_limit(source, get_settings().crawl_time_limit), self.database_url,
            )  # fmt: skip
            job_id = run.job_id
        if node is None:
            return
        executor = (
            self.executor if isinstance(self.executor, ScrapydExecutor) else ScrapydExecutor([node.url])
        )
        if not self._take_slot():
            return
        try:
            logger.info("following %s on %s (run %s)", job_id, node, run_id)
            outcome = executor.follow(job, RunWatch(run_id, self.sessions), node, job_id)
            close_run(job, outcome)
        finally:
            self._slots.release()

    def _take_slot(self) -> bool:
        """Wait for one of the ``max_crawls`` slots; False if leadership ends meanwhile."""
        while not self._slots.acquire(timeout=0.5):
            if not self.leading.is_set():
                return False
        if not self.leading.is_set():
            self._slots.release()
            return False
        return True

    def _drop_request(self, source_name: str) -> None:
        """A run-now request met a running crawl: that crawl answers it."""
        with self.sessions.begin() as session:
            session.execute(update(Source).where(Source.name == source_name).values(run_requested_at=None))


def scheduled_runs(session: Session) -> dict[str, datetime]:
    """The next scheduled run of each source, as the active scheduler's job store has it."""
    if not inspect(session.get_bind()).has_table(JOBS_TABLE):
        return {}
    rows = session.execute(
        select(_jobs.c.id, _jobs.c.next_run_time).where(_jobs.c.id.startswith(SCHEDULED_JOB))
    )
    return {
        job_id.removeprefix(SCHEDULED_JOB): datetime.fromtimestamp(next_run, UTC)
        for job_id, next_run in rows
        if next_run is not None
    }


def serve(scheduler: CrawlScheduler) -> None:
    """Run ``scheduler`` in this process until SIGTERM or SIGINT; running crawls are stopped first."""
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        logger.info("%s received, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler.run(stop)
