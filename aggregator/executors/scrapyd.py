"""The Scrapyd executor: crawls scheduled on Scrapyd nodes through their HTTP API.

schedule.json starts the spider of the source's kind on the least busy node; listjobs.json says when it
ends; cancel.json stops it (SIGTERM, then SIGKILL) on a cancel request or past its time limit. The
spider stores its listings into the shared database the node is configured with
(ESS_AGENDA_DATABASE_URL in the node's environment), exactly as a local crawl does; the scheduler
following the job then finishes the run (aggregator.finish). A node URL may carry
credentials: ``http://user:password@host:6800``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from aggregator.executors import KILL_GRACE, POLL_INTERVAL, TERM_GRACE, CrawlJob, Outcome, Watch

logger = logging.getLogger(__name__)

PROJECT = "ess_agenda"  # as in scrapy.cfg [deploy]
NODE_PREFIX = "scrapyd "
LOG_TAIL_BYTES = 16_000
HTTP_TIMEOUT = 10.0
SCHEDULE_TIMEOUT = 60.0


class ScrapydError(RuntimeError):
    """A Scrapyd node that answered with an error, or did not answer."""


class ScrapydNode:
    """One Scrapyd server's JSON API."""

    def __init__(self, url: str, timeout: float = HTTP_TIMEOUT) -> None:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        self.url = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + "/", "", ""))
        self.auth = (parts.username or "", parts.password or "") if parts.username else None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ScrapydNode({self.url!r})"

    def call(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        **post: Any,
    ) -> dict[str, Any]:
        """GET ``endpoint`` with ``params``, or POST it when form fields or files are given."""
        url = urljoin(self.url, endpoint)
        timeout = timeout or self.timeout
        try:
            if post:
                response = requests.post(url, auth=self.auth, timeout=timeout, **post)
            else:
                response = requests.get(url, params=params, auth=self.auth, timeout=timeout)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ScrapydError(f"{url}: {exc}") from exc
        if data.get("status") != "ok":
            raise ScrapydError(f"{url}: {data.get('message') or data}")
        return data

    def load(self) -> int:
        """Jobs running or waiting on this node."""
        status = self.call("daemonstatus.json")
        return int(status.get("running", 0)) + int(status.get("pending", 0))

    def schedule(self, spider: str, job_id: str, args: Mapping[str, str], settings: Mapping[str, str]) -> str:
        data: list[tuple[str, str]] = [("project", PROJECT), ("spider", spider), ("jobid", job_id)]
        data += [(name, value) for name, value in args.items()]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        # Scrapyd lists the project's spiders before it answers: slow on a busy node.
        return str(self.call("schedule.json", data=data, timeout=SCHEDULE_TIMEOUT)["jobid"])

    def job(self, job_id: str) -> tuple[str, dict[str, Any]] | None:
        """The job's state (pending, running or finished) and its listing, or None if unknown."""
        jobs = self.call("listjobs.json", {"project": PROJECT})
        for state in ("pending", "running", "finished"):
            for entry in jobs.get(state, []):
                if entry.get("id") == job_id:
                    return state, entry
        return None

    def cancel(self, job_id: str, signal: str = "TERM") -> None:
        self.call("cancel.json", data={"project": PROJECT, "job": job_id, "signal": signal})

    def log_tail(self, log_url: str) -> str:
        """The end of a job's log; a range request keeps large logs on the node."""
        url = urljoin(self.url, log_url)
        try:
            head = requests.head(url, auth=self.auth, timeout=self.timeout)
            head.raise_for_status()
            # An explicit start: Twisted's static files fail on a suffix range longer than the file.
            start = max(0, int(head.headers.get("Content-Length", 0)) - LOG_TAIL_BYTES)
            headers = {"Range": f"bytes={start}-"} if start else {}
            response = requests.get(url, headers=headers, auth=self.auth, timeout=self.timeout)
            response.raise_for_status()
        except (requests.RequestException, ValueError) as exc:
            return f"(log unavailable: {exc})"
        return response.content[-LOG_TAIL_BYTES:].decode(errors="replace")

    def add_version(self, version: str, egg: bytes) -> int:
        """Upload the project egg; returns how many spiders the node found in it."""
        data = self.call(
            "addversion.json",
            timeout=SCHEDULE_TIMEOUT,
            data={"project": PROJECT, "version": version},
            files={"egg": (f"{PROJECT}-{version}.egg", egg, "application/octet-stream")},
        )
        return int(data.get("spiders", 0))


def node_name(node: ScrapydNode) -> str:
    """How a run row names the node its crawl runs on."""
    return NODE_PREFIX + node.url


def node_from_name(name: str | None) -> ScrapydNode | None:
    if not name or not name.startswith(NODE_PREFIX):
        return None
    return ScrapydNode(name.removeprefix(NODE_PREFIX))


@dataclass
class _Follow:
    """What is known of one job while it is watched."""

    node: ScrapydNode
    job_id: str
    spider: str
    time_limit: float
    scheduled_at: float
    running_since: float | None = None
    log_url: str | None = None
    signalled_at: float | None = None
    timed_out: bool = False
    cancelled: bool = False
    unreachable_since: float | None = None


class ScrapydExecutor:
    """Schedules crawls on the least busy of its nodes and watches them to the end."""

    name = "scrapyd"

    def __init__(
        self,
        urls: Sequence[str],
        term_grace: float = TERM_GRACE,
        kill_grace: float = KILL_GRACE,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.nodes = [ScrapydNode(url) for url in urls]
        self.term_grace = term_grace
        self.kill_grace = kill_grace
        self.poll_interval = poll_interval
        self._stopping = threading.Event()

    def run(self, job: CrawlJob, watch: Watch) -> Outcome:
        job_id = f"run-{job.run_id}-{uuid.uuid4().hex[:8]}"
        args = job.spider_arguments()
        settings = {"CLOSESPIDER_TIMEOUT": f"{job.time_limit:g}"}
        errors = []
        for node in self._by_load():
            try:
                node.schedule(job.kind, job_id, args, settings)
            except ScrapydError as exc:
                if not self._accepted(node, job_id):
                    errors.append(str(exc))
                    continue
            watch.started(node_name(node), job_id=job_id)
            logger.info(
                "crawl of %s (run %s) scheduled on %s as %s", job.source_name, job.run_id, node, job_id
            )
            return self.follow(job, watch, node, job_id)
        return Outcome(failure="no Scrapyd node accepted the crawl: " + "; ".join(errors or ["no node"]))

    def follow(self, job: CrawlJob, watch: Watch, node: ScrapydNode, job_id: str) -> Outcome:
        """Watch a scheduled job until it ends, also one scheduled by a previous scheduler."""
        state = _Follow(node, job_id, job.kind, job.time_limit, scheduled_at=time.monotonic())
        while not self._stopping.wait(self.poll_interval):
            try:
                seen = node.job(job_id)
            except ScrapydError as exc:
                if self._lost(state, exc):
                    return Outcome(failure=f"Scrapyd node unreachable: {exc}")
                continue
            state.unreachable_since = None
            if seen is None or seen[0] == "finished":
                return self._ended(state, seen[1] if seen else {})
            if seen[0] == "running" and state.running_since is None:
                state.running_since = time.monotonic()
                state.log_url = seen[1].get("log_url")
            self._enforce(state, watch)
        return Outcome(detached=True)

    def shutdown(self) -> None:
        """Stop watching; jobs go on on their nodes and the next scheduler follows them."""
        self._stopping.set()

    def _accepted(self, node: ScrapydNode, job_id: str) -> bool:
        """Whether a job whose scheduling seemed to fail (a timeout) was queued all the same."""
        try:
            return node.job(job_id) is not None
        except ScrapydError:
            return False

    def _by_load(self) -> list[ScrapydNode]:
        loads = []
        for index, node in enumerate(self.nodes):
            try:
                loads.append((node.load(), index, node))
            except ScrapydError as exc:
                logger.warning("Scrapyd node skipped: %s", exc)
        return [node for _load, _index, node in sorted(loads)]

    def _enforce(self, state: _Follow, watch: Watch) -> None:
        """Cancel requests and the time limit: TERM first, KILL if the job outlives the grace."""
        now = time.monotonic()
        try:
            if state.signalled_at is None:
                started = state.running_since or state.scheduled_at
                if watch.cancel_requested():
                    state.cancelled = True
                elif now >= started + state.time_limit + self.term_grace:
                    state.timed_out = True
                if state.cancelled or state.timed_out:
                    state.node.cancel(state.job_id, "TERM")
                    state.signalled_at = now
            elif now >= state.signalled_at + self.kill_grace:
                state.node.cancel(state.job_id, "KILL")
                state.signalled_at = now
        except ScrapydError as exc:
            logger.warning("cancel of %s failed: %s", state.job_id, exc)

    def _lost(self, state: _Follow, exc: ScrapydError) -> bool:
        """A node may blip; one silent for longer than the crawl's whole allowance is given up."""
        now = time.monotonic()
        if state.unreachable_since is None:
            state.unreachable_since = now
            logger.warning("Scrapyd node unreachable: %s", exc)
        return now - state.unreachable_since > state.time_limit + self.term_grace + self.kill_grace

    def _ended(self, state: _Follow, entry: Mapping[str, Any]) -> Outcome:
        log_url = entry.get("log_url") or state.log_url
        log = state.node.log_tail(log_url) if log_url else ""
        return Outcome(
            log,
            timed_out=state.timed_out,
            cancelled=state.cancelled,
            failure=f"Scrapyd job {state.job_id} ended without closing its run",
        )
