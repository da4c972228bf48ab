"""Operators' changes to sources, checked the same way from the command line and the admin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aggregator.cron import CronError, cron_trigger
from aggregator.dedup.forget import Forgotten, forget_listings
from aggregator.models import CrawlRun, Listing, Source
from aggregator.runs import RUNNING
from aggregator.sources import SourceError, check_kind, check_region, retitle
from core.kinds import AUTO

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
DEFAULT_KIND = AUTO
MAX_OPTIONS_CHARS = 20_000


@dataclass
class SourceChanges:
    """What an operator sets on a source; None leaves a field as it is."""

    title: str | None = None
    kind: str | None = None
    url: str | None = None
    region: str | None = None
    schedule: str | None = None
    options: dict[str, Any] | None = None
    discovered: dict[str, Any] = field(default_factory=dict)


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise SourceError(f"name {name!r}: lowercase letters, digits, - and _ only (at most 100)")
    return name


def suggest_name(url: str) -> str:
    """A name from the site's host: ``https://www.cress-bretagne.org/agenda`` → ``cress-bretagne-org``."""
    host = (urlsplit(url.strip()).hostname or "").removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")[:100] or "source"


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(f"URL {url!r}: an http:// or https:// address is needed")
    return url


def check_schedule(schedule: str | None) -> str | None:
    """A valid cron expression, or None for the default (every six hours)."""
    schedule = (schedule or "").strip() or None
    if schedule is not None:
        try:
            cron_trigger(schedule)
        except CronError as exc:
            raise SourceError(f"schedule {exc}") from exc
    return schedule


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors' aliases: an alias can refer to itself (a loop no JSON column can
    store) or multiply a few bytes into millions (a "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted", mark)
        return super().compose_node(parent, index)


def parse_options(text: str) -> dict[str, Any]:
    """Options written as YAML or JSON (JSON is YAML); empty means none. Aliases are refused and the
    text is bounded, so what is stored is never larger than what was written."""
    if len(text) > MAX_OPTIONS_CHARS:
        raise SourceError(f"options: at most {MAX_OPTIONS_CHARS} characters")
    try:
        value = yaml.load(text, Loader=_NoAliasLoader) if text.strip() else {}  # a SafeLoader
    except yaml.YAMLError as exc:
        raise SourceError(f"options: not valid YAML or JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise SourceError("options: a mapping of option names to values is needed")
    return value


def add_source(session: Session, name: str, url: str, changes: SourceChanges) -> Source:
    """A new, enabled source; SourceError if the name is taken or a value is invalid."""
    check_name(name)
    if session.scalars(select(Source).where(Source.name == name)).first() is not None:
        raise SourceError(f"a source named {name!r} already exists")
    source = Source(name=name, url=check_url(url), kind=DEFAULT_KIND, title=name, options={}, enabled=True)
    update_source(source, changes)
    session.add(source)
    return source


def update_source(source: Source, changes: SourceChanges) -> None:
    """Apply the changes that are given, each checked first."""
    if changes.url is not None:
        source.url = check_url(changes.url)
    if changes.kind is not None:
        source.kind = check_kind(changes.kind)
    if changes.title is not None:
        retitle(source, changes.title.strip() or source.name)
    if changes.region is not None:
        source.region = check_region(changes.region)
    if changes.schedule is not None:
        source.schedule = check_schedule(changes.schedule)
    if changes.options is not None:
        source.options = changes.options
    if changes.discovered:
        source.discovered = changes.discovered


def get_source(session: Session, name: str) -> Source:
    source = session.scalars(select(Source).where(Source.name == name)).first()
    if source is None:
        raise SourceError(f"no source named {name!r}")
    return source


class CrawlInProgress(SourceError):
    """The source is being crawled: deleting it now would leave the crawl storing listings again."""


def delete_source(session: Session, name: str) -> Forgotten:
    """Delete a source with its crawl runs and its listings; the events they leave are recomputed or
    retired (``dedup.forget``).

    :raise SourceError: no such source; CrawlInProgress while one of its crawls runs.
    """
    source = get_source(session, name)
    if crawl_running(session, source):
        raise CrawlInProgress(f"a crawl of {name!r} is running: cancel it first")
    listings = session.scalars(select(Listing.id).where(Listing.source_id == source.id)).all()
    forgotten = forget_listings(session, listings)
    session.execute(delete(Source).where(Source.id == source.id))  # its runs go with it (ON DELETE)
    return forgotten


def crawl_running(session: Session, source: Source) -> bool:
    running = select(CrawlRun.id).where(CrawlRun.source_id == source.id, CrawlRun.status == RUNNING)
    return session.scalar(running.limit(1)) is not None
