"""Politeness and thrift: project settings, per-source overrides within bounds, conditional requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scrapy.core.downloader import Slot
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.models import HttpCache
from aggregator.samples_server import SITES, serve_sites
from aggregator.schema import upgrade
from spiders import settings as project_settings
from spiders.kinds.base import source_settings
from spiders.kinds.tribe import TribeSpider
from spiders.middlewares import ConditionalRequestMiddleware
from spiders.pipelines import StorePipeline
from spiders.throttle import NotModifiedAutoThrottle
from tests.spiders.crawling import crawl, listings, make_spider


def test_project_settings_are_polite_and_thrifty():
    settings = Settings()
    settings.setmodule(project_settings)
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert "ESS Agenda" in settings["USER_AGENT"] and settings["ESS_CONTACT_URL"] in settings["USER_AGENT"]
    assert settings["ROBOTSTXT_USER_AGENT"] == "ESS-Agenda"
    assert 0 < settings.getint("DOWNLOAD_TIMEOUT") <= 60 and settings.getint("RETRY_TIMES") >= 1
    assert 0 < settings.getint("DOWNLOAD_MAXSIZE") < 20 * 1024 * 1024
    assert settings.getint("CLOSESPIDER_PAGECOUNT") > 0
    assert "spiders.middlewares.ConditionalRequestMiddleware" in settings.getdict("DOWNLOADER_MIDDLEWARES")


def test_source_options_map_onto_settings():
    options = {"max_pages": 3, "max_bytes": 2048, "timeout": 5, "settings": {"RETRY_TIMES": 0}}
    assert source_settings(options) == (
        {"CLOSESPIDER_PAGECOUNT": 3, "DOWNLOAD_MAXSIZE": 2048, "DOWNLOAD_TIMEOUT": 5.0, "RETRY_TIMES": 0},
        [],
    )


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"ROBOTSTXT_OBEY": False}, "not a setting a source may change"),
        ({"USER_AGENT": "Mozilla/5.0"}, "not a setting a source may change"),
        ({"CONCURRENT_REQUESTS_PER_DOMAIN": 8}, "8 is outside 1..2"),
        ({"DOWNLOAD_TIMEOUT": "soon"}, "could not convert"),
        ({"RETRY_TIMES": True}, "expected a number"),
        ({"ESS_CONDITIONAL_REQUESTS": "no"}, "expected true or false"),
    ],
)
def test_overrides_past_the_bounds_are_refused(extra, why):
    accepted, refused = source_settings({"settings": extra})
    assert accepted == {} and len(refused) == 1 and why in refused[0]


def test_the_spider_applies_its_source_settings_and_notes_refusals():
    options = {"max_pages": 3, "settings": {"ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 2}}
    spider = make_spider(TribeSpider, options=options)
    settings = spider.crawler.settings
    assert settings.getint("CLOSESPIDER_PAGECOUNT") == 3 and settings.getfloat("DOWNLOAD_DELAY") == 2
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    spider.spider_opened(spider)
    assert spider.crawl_warnings == ["setting ROBOTSTXT_OBEY refused: not a setting a source may change"]
    assert spider.crawl_errors == []


def test_a_malformed_settings_option_is_refused():
    assert source_settings({"settings": ["DOWNLOAD_DELAY", 2]}) == (
        {},
        ["options.settings must be a mapping of setting names to values"],
    )


def written(middleware: ConditionalRequestMiddleware) -> None:
    """Wait for what the middleware handed to the crawl's writer, as the crawl's end does."""
    middleware.writer.submit(lambda: None).result()


def test_a_crawl_has_one_writer_even_with_other_settings(db_url):
    """Without the writer's extension (Scrapy's default settings), components still share one."""
    settings = {"ESS_DATABASE_URL": db_url, "ESS_CONDITIONAL_REQUESTS": True, "ESS_STORE_ENABLED": True}
    crawler = get_crawler(TribeSpider, settings)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    assert StorePipeline.from_crawler(crawler).writer is middleware.writer
    other = ConditionalRequestMiddleware.from_crawler(get_crawler(TribeSpider, settings))
    assert other.writer is not middleware.writer


def test_conditional_requests_remember_and_replay(db_url):
    """Validators are sent back, and a 304 replays the remembered body (both databases)."""
    crawler = get_crawler(TribeSpider, {"ESS_DATABASE_URL": db_url, "ESS_CONDITIONAL_REQUESTS": True})
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    middleware.spider_opened(None)  # type: ignore[arg-type]
    url = "http://127.0.0.1/agenda/"
    first = Request(url)
    middleware.process_request(first)
    assert b"If-None-Match" not in first.headers
    page = HtmlResponse(url, body=b"<p>agenda</p>", headers={"ETag": '"v1"', "Content-Type": "text/html"})
    middleware.process_response(first, page)
    middleware.spider_closed(None)  # type: ignore[arg-type]
    written(middleware)

    middleware.spider_opened(None)  # type: ignore[arg-type]
    again = Request(url)
    middleware.process_request(again)
    assert again.headers[b"If-None-Match"] == b'"v1"'
    replayed = middleware.process_response(again, Response(url, status=304))
    assert (replayed.status, replayed.body, replayed.flags) == (200, b"<p>agenda</p>", ["not_modified"])
    middleware.process_response(again, page.replace(headers={"ETag": '"v2"', "Content-Type": "text/html"}))
    middleware.spider_closed(None)  # type: ignore[arg-type]
    written(middleware)
    newer = Request(url)
    middleware.spider_opened(None)  # type: ignore[arg-type]
    middleware.process_request(newer)
    assert newer.headers[b"If-None-Match"] == b'"v2"'


def test_a_response_too_big_to_keep_costs_the_others_nothing(db_url):
    crawler = get_crawler(TribeSpider, {"ESS_DATABASE_URL": db_url, "ESS_CONDITIONAL_REQUESTS": True})
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    middleware.spider_opened(None)  # type: ignore[arg-type]
    base = "http://127.0.0.1/agenda/"
    etags = {base: '"v1"', base + "?q=" + "x" * 2100: '"v1"', base + "?page=2": '"' + "e" * 600 + '"'}
    for url, etag in etags.items():
        page = HtmlResponse(url, body=b"<p>agenda</p>", headers={"ETag": etag, "Content-Type": "text/html"})
        middleware.process_response(Request(url), page)
    middleware.spider_closed(None)  # type: ignore[arg-type]
    written(middleware)
    with get_sessionmaker(db_url)() as session:
        assert list(session.scalars(select(HttpCache.url))) == [base]


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('conditional') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    source = {"name": "unpeudr", "kind": "ical", "url": "{base}/unpeudr/calendrier/ateliers.ics"}
    with serve_sites(SITES) as base:
        runs = [crawl(url, base, [source])["unpeudr"] for _ in range(2)]
    yield url, runs
    dispose_engine(url)


def test_an_unchanged_feed_costs_a_304_and_its_listings_stay(recrawled):
    url, (first, second) = recrawled
    assert (first.status, first.not_modified, first.listings_new) == ("succeeded", 0, 3)
    assert second.status == "succeeded"
    assert (second.not_modified, second.listings_unchanged, second.listings_removed) == (1, 3, 0)
    assert len(listings(url, "unpeudr")) == 3


@pytest.mark.parametrize(("status", "lowered"), [(200, True), (304, True), (500, False)])
def test_autothrottle_speeds_up_on_304_as_on_200_but_not_on_errors(status, lowered):
    spider = make_spider(TribeSpider)
    throttle = NotModifiedAutoThrottle.from_crawler(spider.crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 10.0  # what spider_opened sets from the settings
    slot = Slot(concurrency=2, delay=0.5, jitter=0)
    throttle._adjust_delay(slot, 0.01, Response("http://127.0.0.1/feed.ics", status=status))
    assert (slot.delay < 0.5) is lowered


def test_the_project_throttle_is_the_304_aware_one():
    settings = Settings()
    settings.setmodule(project_settings)
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "spiders.throttle.NotModifiedAutoThrottle" in extensions
