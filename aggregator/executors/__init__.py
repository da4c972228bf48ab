"""Where crawls run: ``local`` child processes (the default) or ``scrapyd`` nodes over HTTP.

An executor starts one claimed crawl, watches it until it ends (time limit, cancel requests) and says
how it ended; aggregator.crawl records that on the run. Settings read: ESS_AGENDA_EXECUTOR,
ESS_AGENDA_SCRAPYD_URLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aggregator.config import Settings

# Once the time limit is reached, how long a crawl gets to stop after SIGTERM, then after SIGKILL.
TERM_GRACE = 60.0
KILL_GRACE = 30.0
POLL_INTERVAL = 1.0


@dataclass(frozen=True)
class CrawlJob:
    """One claimed crawl: its run row, its source and its time limit in seconds, and the spider's
    arguments (the source's URL, région and options: a spider never reads the database)."""

    run_id: int
    source_name: str
    kind: str
    time_limit: float
    database_url: str | None = None
    arguments: Mapping[str, str] = field(default_factory=dict)

    def spider_arguments(self) -> dict[str, str]:
        return {"source": self.source_name, "run": str(self.run_id), **self.arguments}


@dataclass(frozen=True)
class Outcome:
    """How a crawl process ended, as its executor saw it."""

    log: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    # Why the crawl ended without closing its own run (process crash, node lost…), if it did.
    failure: str | None = None
    # The executor stopped watching a crawl that goes on elsewhere (a Scrapyd job outliving its
    # scheduler): the run stays open for the next scheduler to follow.
    detached: bool = False


class Watch(Protocol):
    """The run row of a crawl, as its executor sees it while the crawl goes on."""

    def started(self, node: str, pid: int | None = None, job_id: str | None = None) -> None: ...

    def cancel_requested(self) -> bool: ...


class Executor(Protocol):
    name: str

    def run(self, job: CrawlJob, watch: Watch) -> Outcome:
        """Start the crawl and wait for its end."""
        ...

    def shutdown(self) -> None:
        """Stop watching: crawls still running are stopped (local) or left to finish (Scrapyd)."""
        ...


class ExecutorError(ValueError):
    """An executor setting that cannot be used."""


def make_executor(settings: Settings) -> Executor:
    """The executor the settings name."""
    if settings.executor == "local":
        from aggregator.executors.local import LocalExecutor

        return LocalExecutor()
    if settings.executor == "scrapyd":
        from aggregator.executors.scrapyd import ScrapydExecutor

        if not settings.scrapyd_urls:
            raise ExecutorError("ESS_AGENDA_EXECUTOR=scrapyd needs ESS_AGENDA_SCRAPYD_URLS")
        return ScrapydExecutor(settings.scrapyd_urls)
    raise ExecutorError(f"unknown executor {settings.executor!r} (local or scrapyd)")
