"""The base spider: loads its source, owns the shared rules, records errors instead of crashing.

Per-source settings: a source's ``options`` may set ``max_pages`` (CLOSESPIDER_PAGECOUNT),
``max_bytes`` (DOWNLOAD_MAXSIZE), ``timeout`` (DOWNLOAD_TIMEOUT), ``delay`` (DOWNLOAD_DELAY),
``max_events`` (ESS_MAX_EVENTS), ``max_occurrences`` (ESS_MAX_OCCURRENCES) and
``settings``, a mapping of Scrapy settings among ``OVERRIDABLE_SETTINGS``. The launcher passes the
source as the crawl's arguments (``-a source=NAME -a url=URL -a region=R -a options=JSON``); the
spider never reads the database. The settings are applied in ``from_crawler``, before Scrapy freezes
them, at "spider" priority (a ``-s`` on the command
line still wins). A value that is unknown, of the wrong type or past a politeness ceiling is refused
and noted as a warning on the crawl run; the crawl goes on with the project's setting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from aggregator.normalize.status import status_from_text as status_words
from aggregator.normalize.zones import stated_zone
from core.zones import DEFAULT_TIMEZONE
from spiders.extract.encoding import actual_encoding, charset_note, decode
from spiders.extract.page import reference_day

logger = logging.getLogger(__name__)


# Source options that are shorthands for one Scrapy setting.
OPTION_SETTINGS = {
    "max_pages": "CLOSESPIDER_PAGECOUNT",
    "max_bytes": "DOWNLOAD_MAXSIZE",
    "timeout": "DOWNLOAD_TIMEOUT",
    "delay": "DOWNLOAD_DELAY",
    "max_occurrences": "ESS_MAX_OCCURRENCES",
    "max_events": "ESS_MAX_EVENTS",
}
# What ``options.settings`` may change, with the type each value must have. Politeness is not
# negotiable per source: robots.txt, the User-Agent and the pipelines are absent on purpose.
OVERRIDABLE_SETTINGS: dict[str, type] = {
    "AUTOTHROTTLE_MAX_DELAY": float,
    "AUTOTHROTTLE_START_DELAY": float,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": float,
    "CLOSESPIDER_PAGECOUNT": int,
    "CLOSESPIDER_TIMEOUT": float,
    "CONCURRENT_REQUESTS_PER_DOMAIN": int,
    "DEPTH_LIMIT": int,
    "DOWNLOAD_DELAY": float,
    "DOWNLOAD_MAXSIZE": int,
    "DOWNLOAD_TIMEOUT": float,
    "DOWNLOAD_WARNSIZE": int,
    "ESS_CONDITIONAL_REQUESTS": bool,
    "ESS_MAX_EVENTS": int,
    "ESS_MAX_OCCURRENCES": int,
    "ESS_RECURRENCE_HORIZON_DAYS": int,
    "ESS_RECURRENCE_PAST_DAYS": int,
    "RETRY_TIMES": int,
}
# Inclusive bounds a source may not cross.
SETTING_BOUNDS: dict[str, tuple[float, float]] = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": (1, 2),
    "DOWNLOAD_DELAY": (0, 600),
    "DOWNLOAD_TIMEOUT": (1, 600),
    "RETRY_TIMES": (0, 5),
    "CLOSESPIDER_PAGECOUNT": (1, 100_000),
    "DOWNLOAD_MAXSIZE": (1024, 100 * 1024 * 1024),
    "ESS_RECURRENCE_HORIZON_DAYS": (1, 5 * 366),
    "ESS_RECURRENCE_PAST_DAYS": (0, 5 * 366),
    "ESS_MAX_EVENTS": (1, 100_000),
    "ESS_MAX_OCCURRENCES": (1, 10_000),
}


def source_settings(options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The Scrapy settings a source's options ask for, and why any of them was refused."""
    wanted: dict[str, Any] = {}
    for option, name in OPTION_SETTINGS.items():
        if options.get(option) is not None:
            wanted[name] = options[option]
    extra = options.get("settings") or {}
    refused: list[str] = []
    if not isinstance(extra, Mapping):
        return {}, ["options.settings must be a mapping of setting names to values"]
    wanted.update(extra)
    accepted: dict[str, Any] = {}
    for name, value in wanted.items():
        try:
            accepted[name] = _checked_setting(str(name), value)
        except ValueError as exc:
            refused.append(f"setting {name} refused: {exc}")
    return accepted, refused


def _checked_setting(name: str, value: Any) -> Any:
    kind = OVERRIDABLE_SETTINGS.get(name)
    if kind is None:
        raise ValueError("not a setting a source may change")
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    number = kind(value)
    low, high = SETTING_BOUNDS.get(name, (0, float("inf")))
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low:g}..{high:g}")
    return number


class EventSpider(scrapy.Spider):
    """Base of every kind: ``scrapy crawl <kind> -a source=NAME -a url=URL [-a region=R]
    [-a options=JSON] [-a run=ID]``, the arguments the aggregator gives (aggregator.crawl).

    Without ``source``, the crawl is ad hoc and stores nothing.
    """

    kind = ""
    default_timezone = DEFAULT_TIMEZONE

    def __init__(
        self,
        source: str | None = None,
        url: str | None = None,
        run: str | int | None = None,
        region: str | None = None,
        options: Mapping[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(options, str):  # as given on the command line
            options = json.loads(options or "{}")
            if not isinstance(options, dict):
                raise ValueError("-a options= must be a JSON object")
        self.source_name = source or self.name
        self.source_url = url or ""
        self.run_id = int(run) if run else None
        self.region = region
        self.options: dict[str, Any] = dict(options or {})
        self.crawl_errors: list[str] = []
        self.rejected: list[str] = []
        self.rejected_keys: set[str] = set()
        self.dropped_urls: list[str] = []  # not http(s), left out of their listings
        self.crawl_warnings: list[str] = []
        self.discovered: dict[str, Any] | None = None  # what discovery found, for the aggregator
        self._refused_settings: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._apply_source_settings(crawler.settings)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        return spider

    def _apply_source_settings(self, settings: BaseSettings) -> None:
        """Per-source overrides; settings are still mutable here (Scrapy freezes them later)."""
        accepted, refused = source_settings(self.options)
        if settings.frozen:
            refused += [f"setting {name} refused: settings already frozen" for name in accepted]
            accepted = {}
        for name, value in accepted.items():
            settings.set(name, value, priority="spider")
        self._refused_settings = refused

    def spider_opened(self, spider: scrapy.Spider) -> None:
        """Note the refused source settings now that the crawl has its stats.

        A warning, not an error: the crawl is complete with the project's values, and an error
        would keep every run of the source from ever marking a listing removed.
        """
        for message in self._refused_settings:
            self.record_warning(message)
        zone = self.options.get("timezone")
        if zone is not None and stated_zone(str(zone)) is None:
            self.record_warning(f"options.timezone {zone!r} is not an IANA zone: ignored")

    # -- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        if not self.source_url:
            self.record_error(f"source {self.source_name!r} has no URL")
            return
        yield self.request(self.source_url, self.parse, dont_filter=True)

    def request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request whose failures are recorded on the crawl run."""
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.record_error(f"{url}: {describe_failure(failure)}")

    def on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        """A bug in a callback must not pass for a complete crawl."""
        if spider is self:
            self.record_error(f"{response.url}: cannot parse ({describe_failure(failure)})")

    def on_item_error(
        self, item: Any, response: Response | None, spider: scrapy.Spider, failure: Failure
    ) -> None:
        if spider is self:
            self.record_error(f"cannot store an item: {describe_failure(failure)}")

    @property
    def source_zone(self) -> str | None:
        """The zone the source's naive times are read in, when ``options.timezone`` names one."""
        return str(self.options.get("timezone") or "") or None

    def reference_date(self) -> date:
        """Year-less dates are read against ``options.reference_date`` or ``-a today=``, else today."""
        given = self.options.get("reference_date") or getattr(self, "today", None)
        return reference_day(given, self.default_timezone)

    def count(self, what: str) -> None:
        """Bump the ``ess/<kind>/<what>`` stats counter."""
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats:
            crawler.stats.inc_value(f"ess/{self.kind}/{what}")

    def record_error(self, message: str) -> None:
        """Count a problem on the crawl run and keep going; the run will not pass for complete."""
        logger.warning(message, extra={"spider": self})
        self.crawl_errors.append(message)
        self._inc_stat("ess/errors")

    def record_warning(self, message: str) -> None:
        """Note a repaired problem on the crawl run; the run may still be complete."""
        logger.warning(message, extra={"spider": self})
        self.crawl_warnings.append(message)
        self._inc_stat("ess/warnings")

    def reject(self, reason: str, key: str | None = None) -> None:
        """Count an event that cannot be stored; its listing, if known, is kept as it was."""
        logger.warning("rejected: %s", reason, extra={"spider": self})
        self.rejected.append(reason)
        if key:
            self.rejected_keys.add(key)
        self._inc_stat("ess/items_rejected")

    def _inc_stat(self, name: str) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats:
            crawler.stats.inc_value(name)

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        raise NotImplementedError

    # -- shared rules -----------------------------------------------------------------------

    def text_of(self, response: Response) -> str:
        """The response's text, read with the encoding its bytes are really in (a declared charset
        they contradict is noted on the run); a body served as binary is read by its bytes alone."""
        if not isinstance(response, TextResponse):
            return decode(response.body)[0]
        actual = actual_encoding(response.body, response.encoding)
        if actual is None:
            return response.text
        self.record_warning(charset_note(response.url, response.encoding, actual))
        return response.body.decode(actual, errors="replace")

    @staticmethod
    def status_from_text(*texts: str | None) -> str:
        """Cancelled or postponed when the source's words say so ("complet" is not a cancellation)."""
        return status_words(*texts)


def describe_failure(failure: Failure) -> str:
    """A short, operator-readable reason for a failed request."""
    value = failure.value
    if isinstance(value, HttpError):
        return f"HTTP {value.response.status}"
    if isinstance(value, IgnoreRequest):
        return str(value) or "request ignored"
    message = failure.getErrorMessage() or ""
    if isinstance(value, DownloadCancelledError) and not message:
        # Scrapy cancels silently when a body without Content-Length passes DOWNLOAD_MAXSIZE.
        message = "the response passed the download max size"
    name = type(value).__name__
    return f"{name}: {message}" if message and message != name else name
