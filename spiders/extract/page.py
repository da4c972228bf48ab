"""An article or event page's main text and publication date, for kinds that read prose."""

from __future__ import annotations

from datetime import date, datetime

from cssselect import SelectorError
from scrapy.http import Response

from aggregator import clock
from core.text import html_to_text

# Where WordPress, Drupal, SPIP and most themes put a post's text, most specific first.
CONTENT_SELECTORS = (
    ".entry-content",
    "[itemprop=articleBody]",
    ".post-content",
    ".article-content",
    ".field--name-body",
    ".texte",
    "article",
    "main",
    "#content",
)
_PUBLISHED_SELECTORS = (
    "meta[property='article:published_time']::attr(content)",
    "time.published::attr(datetime)",
    "time.entry-date::attr(datetime)",
    "[itemprop=datePublished]::attr(content)",
    "[itemprop=datePublished]::attr(datetime)",
)


def main_text(response: Response, css: str | None = None) -> str:
    """Clean text of the page's main content: ``css`` if given and found, else the usual containers."""
    for selector in (css, *CONTENT_SELECTORS):
        if not selector:
            continue
        try:
            found = response.css(selector)
        except (SelectorError, ValueError):
            continue
        text = "\n\n".join(filter(None, (html_to_text(node.get()) for node in found)))
        if text.strip():
            return text
    return ""


def published_on(response: Response) -> date | None:
    """The publication date a page states in its metadata, if any."""
    for selector in _PUBLISHED_SELECTORS:
        value = response.css(selector).get()
        if not value:
            continue
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            continue
    return None


def reference_day(given: object, zone: str) -> date:
    """The day year-less dates are read against: ``given`` (an ISO date, e.g. ``-a today=2026-11-23``
    to re-read an archive), else today in ``zone``."""
    if isinstance(given, date):
        return given
    if isinstance(given, str):
        try:
            return date.fromisoformat(given.strip())
        except ValueError:
            pass
    return clock.today(zone)
