"""The local executor: each crawl is a ``scrapy crawl`` child process of this one.

Scrapy's reactor cannot restart and a spider may crash, so a crawl never runs in the supervisor's own
process. Limits, in order: the spider closes itself at CLOSESPIDER_TIMEOUT (the source's time limit);
past that limit plus a grace, the process gets SIGTERM (Scrapy's graceful stop), then SIGKILL.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from aggregator.executors import KILL_GRACE, POLL_INTERVAL, TERM_GRACE, CrawlJob, Outcome, Watch
from aggregator.lease import process_identity

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOG_TAIL_BYTES = 16_000


def crawl_command(job: CrawlJob, settings: Mapping[str, str] | None = None) -> list[str]:
    """``scrapy crawl`` of the job's source, started through the parent-death launcher."""
    overrides = {"CLOSESPIDER_TIMEOUT": f"{job.time_limit:g}", **(settings or {})}
    command = [
        sys.executable, "-m", "aggregator.executors.child", str(os.getpid()),
        "scrapy", "crawl", job.kind,
    ]  # fmt: skip
    for name, value in job.spider_arguments().items():
        command += ["-a", f"{name}={value}"]
    for name, value in overrides.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_env(database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    if database_url:
        env["ESS_AGENDA_DATABASE_URL"] = database_url
    return env


class LocalExecutor:
    """Runs crawls as child processes and enforces their time limit and cancel requests."""

    name = "local"

    def __init__(
        self,
        term_grace: float = TERM_GRACE,
        kill_grace: float = KILL_GRACE,
        poll_interval: float = POLL_INTERVAL,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.term_grace = term_grace
        self.kill_grace = kill_grace
        self.poll_interval = poll_interval
        self.settings = dict(settings or {})
        self._stopping = threading.Event()

    def run(self, job: CrawlJob, watch: Watch) -> Outcome:
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(
                crawl_command(job, self.settings),
                env=crawl_env(job.database_url),
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            watch.started(process_identity(), pid=proc.pid)
            code, timed_out, cancelled = self._supervise(proc, job, watch)
            tail = _tail(log)
        failure = _exit_failure(code)
        if cancelled:
            failure = "the scheduler stopped during the crawl" if self._stopping.is_set() else "cancelled"
        if (cancelled or timed_out) and code == -signal.SIGKILL:
            failure = f"{failure or 'stopped'}: still running {self.kill_grace:g} s after SIGTERM, killed"
        return Outcome(tail, code, timed_out=timed_out, cancelled=cancelled, failure=failure)

    def shutdown(self) -> None:
        self._stopping.set()

    def _supervise(
        self, proc: subprocess.Popen[bytes], job: CrawlJob, watch: Watch
    ) -> tuple[int, bool, bool]:
        """Wait for the process; stop it on cancel, at the time limit or at shutdown."""
        deadline = time.monotonic() + job.time_limit + self.term_grace
        terminated_at: float | None = None
        timed_out = cancelled = False
        while True:
            try:
                return proc.wait(timeout=self.poll_interval), timed_out, cancelled
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if terminated_at is None:
                if self._stopping.is_set() or watch.cancel_requested():
                    cancelled = True
                elif now >= deadline:
                    timed_out = True
                if cancelled or timed_out:
                    logger.info("stopping crawl of %s (run %s)", job.source_name, job.run_id)
                    proc.terminate()
                    terminated_at = now
            elif now >= terminated_at + self.kill_grace:
                logger.warning("killing crawl of %s (run %s)", job.source_name, job.run_id)
                proc.kill()


def _exit_failure(code: int) -> str | None:
    if code < 0:
        return f"crawl process killed by {signal.Signals(-code).name}"
    return f"crawl process exited with code {code}" if code else None


def _tail(log: IO[bytes]) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - LOG_TAIL_BYTES))
    return log.read().decode(errors="replace")
