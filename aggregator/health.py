"""How each source is doing, from its crawl runs: what the dashboard and ``runs list`` show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from aggregator.models import CrawlRun, Listing, Source
from aggregator.runs import FAILED, PARTIAL, RUNNING, SUCCEEDED, TIMED_OUT
from aggregator.scheduler import scheduled_runs

FAILING = (FAILED, TIMED_OUT, PARTIAL)


@dataclass(frozen=True)
class SourceHealth:
    source: Source
    last_run: CrawlRun | None
    last_finished: CrawlRun | None
    last_success_at: datetime | None
    consecutive_failures: int
    listings: int
    next_run: datetime | None

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.status == RUNNING

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    @property
    def suspect(self) -> bool:
        return self.last_finished is not None and self.last_finished.suspect

    @property
    def state(self) -> str:
        """One word for the dashboard: failing, suspect, disabled, never, running or ok."""
        if self.failing:
            return "failing"
        if self.suspect:
            return "suspect"
        if not self.source.enabled:
            return "disabled"
        if self.last_run is None:
            return "never"
        return "running" if self.running else "ok"

    def rank(self) -> tuple[int, int, str]:
        """Failing sources first (most failures first), then suspect ones, then by name."""
        order = 0 if self.failing else 1 if self.suspect else 2
        return order, -self.consecutive_failures, self.source.name


def sources_health(session: Session) -> list[SourceHealth]:
    """Every source's health, failing and suspect sources first."""
    sources = list(session.scalars(select(Source)))
    last_runs = _runs_by_source(session, _last_run_ids(None))
    last_finished = _runs_by_source(session, _last_run_ids(CrawlRun.status != RUNNING))
    successes = dict(
        session.execute(
            select(CrawlRun.source_id, func.max(CrawlRun.finished_at))
            .where(CrawlRun.status == SUCCEEDED)
            .group_by(CrawlRun.source_id)
        ).all()
    )
    failures = _consecutive_failures(session)
    listings = dict(
        session.execute(
            select(Listing.source_id, func.count(Listing.id))
            .where(Listing.removed.is_(False))
            .group_by(Listing.source_id)
        ).all()
    )
    next_runs = scheduled_runs(session)
    health = [
        SourceHealth(
            source=source,
            last_run=last_runs.get(source.id),
            last_finished=last_finished.get(source.id),
            last_success_at=successes.get(source.id),
            consecutive_failures=failures.get(source.id, 0),
            listings=listings.get(source.id, 0),
            next_run=next_runs.get(source.name) if source.enabled else None,
        )
        for source in sources
    ]
    return sorted(health, key=SourceHealth.rank)


def _last_run_ids(condition: Any) -> Select[int]:
    query = select(func.max(CrawlRun.id)).group_by(CrawlRun.source_id)
    return query if condition is None else query.where(condition)


def _runs_by_source(session: Session, ids: Select[int]) -> dict[int, CrawlRun]:
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids.scalar_subquery())))
    return {run.source_id: run for run in runs}


def _consecutive_failures(session: Session) -> dict[int, int]:
    """Finished runs that failed since each source's last success."""
    last_success = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id"))
        .where(CrawlRun.status == SUCCEEDED)
        .group_by(CrawlRun.source_id)
        .subquery()
    )
    rows = session.execute(
        select(CrawlRun.source_id, func.count(CrawlRun.id))
        .outerjoin(last_success, last_success.c.source_id == CrawlRun.source_id)
        .where(
            CrawlRun.status.in_(FAILING),
            or_(last_success.c.run_id.is_(None), CrawlRun.id > last_success.c.run_id),
        )
        .group_by(CrawlRun.source_id)
    )
    return {source_id: count for source_id, count in rows}


def runs_query(source_name: str | None = None, limit: int = 50) -> Select[CrawlRun]:
    """The latest runs, newest first, of one source or of all."""
    query = select(CrawlRun).join(CrawlRun.source).options(joinedload(CrawlRun.source))
    if source_name is not None:
        query = query.where(Source.name == source_name)
    return query.order_by(CrawlRun.id.desc()).limit(limit)


def run_as_dict(run: CrawlRun, log: bool = False) -> dict[str, Any]:
    """A run as ``runs list --json`` and ``runs show`` print it."""
    data: dict[str, Any] = {
        "id": run.id,
        "source": run.source.name,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "pages": run.pages,
        "not_modified": run.not_modified,
        "listings": {
            "found": run.listings_found,
            "new": run.listings_new,
            "updated": run.listings_updated,
            "unchanged": run.listings_unchanged,
            "removed": run.listings_removed,
        },
        "events": {"created": run.events_created, "merged": run.events_merged},
        "error_count": run.error_count,
        "errors": list(run.errors),
        "suspect": run.suspect,
        "cancel_requested": run.cancel_requested,
        "node": run.node,
        "job_id": run.job_id,
    }
    if log:
        data["log_tail"] = run.log_tail
    return data
