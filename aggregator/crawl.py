"""Crawl runs from claim to close.

A crawl starts by inserting its "running" CrawlRun row; the database refuses a second running row for
the same source (index ux_crawl_run_one_running), so two crawls of one source can never overlap, from
whatever scheduler, command or web request they come. An executor (aggregator.executors) then runs the
spider, which stores listings and records its counters and how it ended; what it could not record — a crash, a
time limit, a cancel — is recorded here from the executor's outcome, and the run is finished in this
process (aggregator.finish): removals, deduplication, fragments.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aggregator.config import get_settings
from aggregator.db import get_sessionmaker
from aggregator.executors import KILL_GRACE, TERM_GRACE, CrawlJob, Executor, Outcome
from aggregator.finish import finish_run
from aggregator.lease import process_identity
from aggregator.models import CrawlRun, Source
from aggregator.runs import CANCELLED, FAILED, MAX_KEPT_ERRORS, RUNNING, TIMED_OUT
from aggregator.types import utcnow

logger = logging.getLogger(__name__)

LOG_TAIL_CHARS = 4000
# Beyond a crawl's time limit and both graces: room for slow starts and clocks a little apart.
OVERDUE_MARGIN = 600

# What started a crawl.
SCHEDULE = "schedule"
MANUAL = "manual"
CLI = "cli"
TRIGGERS = (SCHEDULE, MANUAL, CLI)


class CrawlRefused(Exception):
    """A crawl that cannot start now; the message says why."""


class AlreadyRunning(CrawlRefused):
    def __init__(self, source_name: str, run_id: int | None) -> None:
        super().__init__(f"{source_name} is already being crawled (run {run_id})")
        self.source_name = source_name
        self.run_id = run_id


@dataclass(frozen=True)
class CrawlResult:
    source: str
    run_id: int | None
    status: str
    summary: str


def time_limit(source: Source, default: float) -> float:
    """The source's CLOSESPIDER_TIMEOUT (``options.settings``) when it sets a usable one."""
    settings = source.options.get("settings") if isinstance(source.options, dict) else None
    value = settings.get("CLOSESPIDER_TIMEOUT") if isinstance(settings, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default


def claim_run(
    source_name: str,
    trigger: str,
    database_url: str | None = None,
    *,
    node: str | None = None,
    scheduled: bool = False,
) -> CrawlJob:
    """Insert the running row of a crawl about to start.

    :raise AlreadyRunning: the source has a running crawl.
    :raise CrawlRefused: no such source, or a scheduled crawl of a disabled source.
    """
    with get_sessionmaker(database_url).begin() as session:
        source = session.scalars(select(Source).where(Source.name == source_name)).one_or_none()
        if source is None:
            raise CrawlRefused(f"no source named {source_name!r}")
        if scheduled and not source.enabled:
            raise CrawlRefused(f"{source_name} is disabled")
        run = CrawlRun(
            source_id=source.id,
            trigger=trigger,
            status=RUNNING,
            started_at=utcnow(),
            node=node or process_identity(),
        )
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:
            running = session.get(CrawlRun, running_run_id(session, source.id))
            if running is None or not close_if_orphaned(running):
                raise AlreadyRunning(source_name, running.id if running else None) from None
            with session.begin_nested():  # its orphaned run closed, the source is free
                session.add(run)
        if trigger == MANUAL:
            source.run_requested_at = None
        return CrawlJob(
            run.id,
            source.name,
            source.kind,
            time_limit(source, get_settings().crawl_time_limit),
            database_url,
            spider_arguments(source),
        )


def spider_arguments(source: Source) -> dict[str, str]:
    """What the spider needs to know of its source, as ``scrapy crawl -a`` arguments."""
    arguments = {"url": source.url, "options": json.dumps(source.options or {})}
    if source.region:
        arguments["region"] = source.region
    return arguments


def running_run_id(session: Session, source_id: int) -> int | None:
    return session.scalar(
        select(CrawlRun.id).where(CrawlRun.source_id == source_id, CrawlRun.status == RUNNING)
    )


class RunWatch:
    """The executor's view of one run row: where it runs, and whether a cancel was requested."""

    def __init__(self, run_id: int, sessions: sessionmaker[Session]) -> None:
        self.run_id = run_id
        self.sessions = sessions

    def started(self, node: str, pid: int | None = None, job_id: str | None = None) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(CrawlRun).where(CrawlRun.id == self.run_id).values(node=node, pid=pid, job_id=job_id)
            )

    def cancel_requested(self) -> bool:
        with self.sessions() as session:
            return bool(session.scalar(select(CrawlRun.cancel_requested).where(CrawlRun.id == self.run_id)))


def execute(job: CrawlJob, executor: Executor) -> CrawlResult:
    """Run a claimed crawl on ``executor`` and close its run."""
    sessions = get_sessionmaker(job.database_url)
    try:
        outcome = executor.run(job, RunWatch(job.run_id, sessions))
    except Exception as exc:  # the run must be closed whatever the executor met
        logger.exception("crawl of %s (run %s) could not run", job.source_name, job.run_id)
        outcome = Outcome(failure=f"the crawl could not run: {exc}")
    return close_run(job, outcome)


def close_run(job: CrawlJob, outcome: Outcome) -> CrawlResult:
    """Finish the run of a crawl that ended (aggregator.finish), with the status the crawl concluded,
    or the one its executor saw when the crawl could not conclude (a crash, a time limit, a cancel)."""
    with get_sessionmaker(job.database_url)() as session:
        run = session.get(CrawlRun, job.run_id)
        if run is None:
            return CrawlResult(job.source_name, job.run_id, FAILED, "run vanished")
        if outcome.detached:
            return CrawlResult(job.source_name, job.run_id, run.status, "still running, no longer watched")
        if run.status != RUNNING:  # closed meanwhile (cancelled while its supervisor was gone)
            return CrawlResult(job.source_name, job.run_id, run.status, summarize(run))
        if outcome.log:
            run.log_tail = outcome.log[-LOG_TAIL_CHARS:]
        note = None
        if outcome.timed_out:
            # A spider stopped for its time limit closes itself as cancelled: the limit is the truth.
            status, note = TIMED_OUT, f"time limit of {job.time_limit:g} s reached"
        elif run.crawl_status is not None:
            status = run.crawl_status
        else:
            status = CANCELLED if outcome.cancelled else FAILED
            note = outcome.failure or "the crawl ended without closing its run"
        finish_run(session, run, status, note)
        return CrawlResult(job.source_name, job.run_id, run.status, summarize(run))


def _fail(run: CrawlRun, status: str, message: str) -> None:
    run.status = status
    run.finished_at = run.finished_at or utcnow()
    run.errors = [message, *run.errors][:MAX_KEPT_ERRORS]
    run.error_count += 1


def summarize(run: CrawlRun) -> str:
    return (
        f"{run.status}: {run.pages} pages, listings {run.listings_new} new / "
        f"{run.listings_updated} updated / {run.listings_unchanged} unchanged / "
        f"{run.listings_removed} removed, {run.error_count} errors"
        + (" (suspect: no listings found)" if run.suspect else "")
    )


def run_crawl(
    source_name: str,
    trigger: str = CLI,
    database_url: str | None = None,
    executor: Executor | None = None,
) -> CrawlResult:
    """Crawl one source now, in a child process, and wait for it; the run row says how it went."""
    from aggregator.executors.local import LocalExecutor

    try:
        job = claim_run(source_name, trigger, database_url)
    except AlreadyRunning as exc:
        return CrawlResult(source_name, exc.run_id, "skipped", f"skipped: {exc}")
    return execute(job, executor or LocalExecutor())


def run_crawls(
    names: Sequence[str], trigger: str = CLI, database_url: str | None = None, workers: int = 2
) -> list[CrawlResult]:
    """Crawl several sources, a few at a time; one failing never stops the others."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda n: run_crawl(n, trigger, database_url), names))


# -- requests from the web and the command line, carried out by the scheduler -----------------


def request_run(source: Source) -> None:
    """Ask the active scheduler to crawl ``source`` as soon as it can (within seconds)."""
    source.run_requested_at = utcnow()


def request_cancel(run: CrawlRun) -> bool:
    """Stop a running crawl: closed now as cancelled when its supervisor is gone, else its supervisor
    is asked to stop it (within seconds); False when it is not running."""
    if run.status != RUNNING:
        return False
    if orphaned(run) is not None:
        _fail(run, CANCELLED, "cancelled (its supervisor was gone)")
        return True
    run.cancel_requested = True
    return True


# -- runs whose supervisor is gone -------------------------------------------------------------


def close_orphaned_runs(sessions: sessionmaker[Session], previous_holder: str | None = None) -> list[int]:
    """Close as failed the running runs whose supervising process is gone; returns their ids."""
    closed = []
    with sessions.begin() as session:
        for run in session.scalars(select(CrawlRun).where(CrawlRun.status == RUNNING)):
            if close_if_orphaned(run, previous_holder):
                closed.append(run.id)
    if closed:
        logger.warning("closed %d orphaned run(s) as failed: %s", len(closed), closed)
    return closed


def close_if_orphaned(run: CrawlRun, previous_holder: str | None = None) -> bool:
    """Close ``run`` as failed if its supervisor is gone (the caller commits); whether it did.

    Every command that meets a running run asks this. Its listings stay stored, and the next dedup
    places them.
    """
    why = orphaned(run, previous_holder)
    if why is not None:
        _fail(run, FAILED, why)
    return why is not None


def orphaned(run: CrawlRun, previous_holder: str | None = None) -> str | None:
    """Why a running run's supervisor is known to be gone, or None.

    A local crawl's run names its supervisor as ``host:pid``. On this host a dead pid tells; a run of
    another host is orphaned when its supervisor is the scheduler whose lease was just taken over, or
    when it outlived its time limit and both graces, which no live supervisor would allow. Scrapyd
    runs are not judged here: their jobs outlive the scheduler and are followed again.
    """
    if run.status != RUNNING or (run.node and run.node.startswith("scrapyd ")):
        return None
    allowance = time_limit(run.source, get_settings().crawl_time_limit) + TERM_GRACE + KILL_GRACE
    if utcnow() - run.started_at > timedelta(seconds=allowance + OVERDUE_MARGIN):
        return "still running long past its time limit: its supervisor is gone"
    if not run.node or ":" not in run.node:
        return None
    run_host, _, pid = run.node.rpartition(":")
    gone = not _alive(pid) if run_host == socket.gethostname() else run.node == previous_holder
    return f"its supervisor {run.node} stopped while it ran" if gone else None


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ValueError:
        return True  # not a pid: not ours to judge
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
