"""Run crawls: each in its own ``scrapy crawl`` process, recorded as a CrawlRun."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, Source
from aggregator.runs import FAILED, RUNNING, TIMED_OUT
from aggregator.types import utcnow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_CHARS = 4000
DEFAULT_TIME_LIMIT = 20 * 60


@dataclass(frozen=True)
class CrawlResult:
    source: str
    run_id: int
    status: str
    summary: str


def start_run(source_name: str, trigger: str, database_url: str | None = None) -> int:
    """Create the CrawlRun row for a crawl about to start; returns its id."""
    with get_sessionmaker(database_url).begin() as session:
        source = session.scalars(select(Source).where(Source.name == source_name)).one()
        run = CrawlRun(source_id=source.id, trigger=trigger, status=RUNNING, started_at=utcnow())
        session.add(run)
        session.flush()
        return run.id


def crawl_command(kind: str, source_name: str, run_id: int) -> list[str]:
    return [
        sys.executable, "-m", "scrapy", "crawl", kind,
        "-a", f"source={source_name}", "-a", f"run={run_id}",
    ]  # fmt: skip


def crawl_env(database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    if database_url:
        env["ESS_AGENDA_DATABASE_URL"] = database_url
    return env


def run_crawl(
    source_name: str,
    trigger: str = "cli",
    database_url: str | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> CrawlResult:
    """Crawl one source in a child process and wait for it; the run row says how it went."""
    with get_sessionmaker(database_url)() as session:
        kind = session.scalars(select(Source.kind).where(Source.name == source_name)).one()
    run_id = start_run(source_name, trigger, database_url)
    command = crawl_command(kind, source_name, run_id)
    try:
        proc = subprocess.run(
            command,
            env=crawl_env(database_url),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=time_limit,
            check=False,
        )
        log, code = proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        log, code = _text(exc.stderr), None
    return _close_run(source_name, run_id, log, code, database_url)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def _close_run(
    source_name: str, run_id: int, log: str, code: int | None, database_url: str | None
) -> CrawlResult:
    """Keep the log tail; a run the spider could not close itself is failed or timed out."""
    with get_sessionmaker(database_url).begin() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.log_tail = log[-LOG_TAIL_CHARS:]
        if run.status == RUNNING:
            run.status = TIMED_OUT if code is None else FAILED
            run.finished_at = utcnow()
            message = "time limit reached" if code is None else f"crawl process exited with {code}"
            run.errors = [*run.errors, message]
            run.error_count += 1
        return CrawlResult(source_name, run_id, run.status, summarize(run))


def summarize(run: CrawlRun) -> str:
    return (
        f"{run.status}: {run.pages} pages, listings {run.listings_new} new / "
        f"{run.listings_updated} updated / {run.listings_unchanged} unchanged / "
        f"{run.listings_removed} removed, {run.error_count} errors"
        + (" (suspect: no listings found)" if run.suspect else "")
    )


def run_crawls(
    names: Sequence[str], trigger: str = "cli", database_url: str | None = None, workers: int = 2
) -> list[CrawlResult]:
    """Crawl several sources, a few at a time; one failing never stops the others."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda n: run_crawl(n, trigger, database_url), names))
