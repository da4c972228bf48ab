"""Crawling fixture sites in tests: one spider on a saved file, or real crawls into a database."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from scrapy.crawler import AsyncCrawlerRunner, CrawlerProcess, CrawlerRunner
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import is_reactor_installed
from scrapy.utils.test import get_reactor_settings
from sqlalchemy import select

from aggregator.crawl import CLI, claim_run, close_run
from aggregator.db import get_sessionmaker
from aggregator.executors import Outcome
from aggregator.executors.local import PROJECT_ROOT, crawl_env
from aggregator.models import CrawlRun, Listing, Source
from aggregator.sources import upsert_sources, validate_source
from spiders import settings as project_settings
from spiders.kinds.base import EventSpider

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_response(relative: str, url: str, content_type: str) -> TextResponse:
    """A response carrying ``tests/fixtures/<relative>`` as if served from ``url``."""
    body = (FIXTURES / relative).read_bytes()
    return TextResponse(url, body=body, headers={"Content-Type": content_type}, request=Request(url))


S = TypeVar("S", bound=EventSpider)


def make_spider(cls: type[S], settings: Mapping[str, Any] | None = None, **kwargs: Any) -> S:
    """A spider of ``cls`` built by its crawler as ``scrapy crawl`` does (settings frozen after
    ``from_crawler``), with no database and no network."""
    values = Settings()
    values.setmodule(project_settings)
    values.update({**get_reactor_settings(), "ESS_STORE_ENABLED": False, "ESS_CONDITIONAL_REQUESTS": False})
    values.update(settings or {})
    runner = CrawlerRunner(values) if is_reactor_installed() else AsyncCrawlerRunner(values)
    crawler = runner.create_crawler(cls)
    spider = cls.from_crawler(crawler, url=kwargs.pop("url", "http://127.0.0.1/"), **kwargs)
    crawler.spider = spider
    crawler._apply_settings()
    return spider


def items_of(results: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in results if not isinstance(r, Request | Response)]


def crawl(
    database_url: str, base: str, sources: list[dict[str, Any]], log: list[str] | None = None
) -> dict[str, CrawlRun]:
    """Register ``sources`` ({base} in URLs) and crawl them together in one child process (one
    Scrapy start-up instead of one per source); their runs by name. ``log`` gets the child's stderr."""
    specs = [validate_source({**s, "url": s["url"].replace("{base}", base)}) for s in sources]
    with get_sessionmaker(database_url).begin() as session:
        upsert_sources(session, specs)
    claimed = {spec["name"]: claim_run(spec["name"], CLI, database_url) for spec in specs}
    run_ids = {name: job.run_id for name, job in claimed.items()}
    jobs = [json.dumps({"kind": job.kind, **job.spider_arguments()}) for job in claimed.values()]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.spiders.crawling", *jobs],
        env=crawl_env(database_url),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if log is not None:
        log.append(proc.stderr)
    with get_sessionmaker(database_url)() as session:
        runs = {name: _loaded(session.get(CrawlRun, run_id)) for name, run_id in run_ids.items()}
    unconcluded = [name for name, run in runs.items() if run.crawl_status is None]
    assert proc.returncode == 0 and not unconcluded, f"{unconcluded} unconcluded:\n{proc.stderr[-3000:]}"
    for job in claimed.values():  # what the process that launched the crawl does once it ended
        close_run(job, Outcome())
    with get_sessionmaker(database_url)() as session:
        runs = {name: _loaded(session.get(CrawlRun, run_id)) for name, run_id in run_ids.items()}
    return runs


def crawl_unstored(kind: str, urls: list[str]) -> dict[str, dict[str, Any]]:
    """Crawl each URL as an ad hoc source of ``kind`` in one child process, storing nothing (no
    database, no ingest process): by URL, the items scraped, errors and rejections met."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.spiders.crawling", "--unstored", kind, *urls],
        env=crawl_env(None),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _crawl_unstored(kind: str, urls: list[str]) -> None:
    """Child process: crawl ``urls`` unstored, print what each crawl met as one JSON line."""
    settings = get_project_settings()
    settings.update({"ESS_STORE_ENABLED": False, "ESS_CONDITIONAL_REQUESTS": False, "RETRY_TIMES": 0})
    settings.update({"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"})
    process = CrawlerProcess(settings)
    crawlers = {url: process.create_crawler(kind) for url in urls}
    for url, crawler in crawlers.items():
        process.crawl(crawler, url=url)
    process.start()
    report = {}
    for url, crawler in crawlers.items():
        spider = crawler.spider
        assert isinstance(spider, EventSpider) and crawler.stats is not None
        report[url] = {
            "items": crawler.stats.get_value("item_scraped_count", 0),
            "errors": spider.crawl_errors,
            "rejected": spider.rejected,
            "warnings": spider.crawl_warnings,
        }
    print(json.dumps(report))


def _crawl_together(jobs: list[str]) -> None:
    """Child process: run each crawler (JSON: its kind and spider arguments) in one reactor."""
    process = CrawlerProcess(get_project_settings())
    for job in jobs:
        arguments = json.loads(job)
        process.crawl(arguments.pop("kind"), **arguments)
    process.start()


def _loaded(run: CrawlRun | None) -> CrawlRun:
    assert run is not None
    return run


def listings(database_url: str, source: str, removed: bool | None = False) -> dict[str, Listing]:
    """The source's listings by key (by default those not removed)."""
    with get_sessionmaker(database_url)() as session:
        query = select(Listing).join(Source).where(Source.name == source)
        if removed is not None:
            query = query.where(Listing.removed.is_(removed))
        return {listing.key: listing for listing in session.scalars(query)}


if __name__ == "__main__":
    if sys.argv[1] == "--unstored":
        _crawl_unstored(sys.argv[2], sys.argv[3:])
    else:
        _crawl_together(sys.argv[1:])
