"""Scrapy's loggers follow LOG_LEVEL, so messages below it are never built."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from spiders.log_level import LogLevel


@pytest.fixture
def scrapy_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("scrapy")
    level = logger.level
    yield logger
    logger.setLevel(level)


def test_scrapy_messages_below_log_level_are_not_built(scrapy_logger, caplog):
    LogLevel.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
    with caplog.at_level(logging.DEBUG):  # a handler taking everything still gets no debug record
        caplog.clear()
        logging.getLogger("scrapy.core.scraper").debug("Scraped from <200 http://127.0.0.1/>")
        logging.getLogger("scrapy.core.engine").info("Spider opened")
    assert [r.levelname for r in caplog.records] == ["INFO"]


def test_debug_crawls_still_log_everything(scrapy_logger):
    LogLevel.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"}))
    assert logging.getLogger("scrapy.core.scraper").isEnabledFor(logging.DEBUG)


def test_every_crawl_runs_it():
    assert "spiders.log_level.LogLevel" in get_project_settings().getdict("EXTENSIONS")
