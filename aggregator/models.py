"""The shared database: partner sources, crawl runs, listings as sources show them, canonical events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from aggregator.types import UTCDateTime, intpk, json_dict, json_list, timestamp


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A partner site and how to crawl it."""

    __tablename__ = "source"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    options: Mapped[json_dict]
    region: Mapped[str | None] = mapped_column(String(60))
    schedule: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    discovered: Mapped[json_dict]
    run_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[timestamp]

    runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")
    listings: Mapped[list[Listing]] = relationship(back_populates="source")

    def __repr__(self) -> str:
        return f"Source(name={self.name!r}, kind={self.kind!r})"


class CrawlRun(Base):
    """One crawl of one source, with what it found."""

    __tablename__ = "crawl_run"

    id: Mapped[intpk]
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(20), default="cli")
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[timestamp]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    listings_found: Mapped[int] = mapped_column(Integer, default=0)
    listings_new: Mapped[int] = mapped_column(Integer, default=0)
    listings_updated: Mapped[int] = mapped_column(Integer, default=0)
    listings_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    listings_removed: Mapped[int] = mapped_column(Integer, default=0)
    events_created: Mapped[int] = mapped_column(Integer, default=0)
    events_merged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[json_list]
    log_tail: Mapped[str] = mapped_column(Text, default="")
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    pid: Mapped[int | None] = mapped_column(Integer)
    node: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[str | None] = mapped_column(String(200))
    # What the crawl process itself concluded when it closed (None: it never did), the instant its
    # store opened (listings last seen before it were not seen by this crawl), its last sign of life,
    # and what the ``auto`` kind discovered, for the aggregator to keep on the source.
    crawl_status: Mapped[str | None] = mapped_column(String(20))
    seen_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discovered: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    source: Mapped[Source] = relationship(back_populates="runs")

    def __repr__(self) -> str:
        return f"CrawlRun(id={self.id!r}, source_id={self.source_id!r}, status={self.status!r})"


class EventFields:
    """What a listing and a canonical event both say of an occurrence.

    Times: ``start``/``end`` are instants; ``timezone`` is the event's own zone. For an all-day event
    they are local midnights of the first and last day (the last day inclusive).
    """

    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    url: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    location_name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(200))
    insee: Mapped[str | None] = mapped_column(String(10))
    department: Mapped[str | None] = mapped_column(String(3), index=True)
    region: Mapped[str | None] = mapped_column(String(60), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    organizer: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[json_list]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime | None:
        return None if self.end is None else self.end.astimezone(self.zone)

    @property
    def start_date(self) -> date:
        return self.local_start.date()

    @property
    def end_date(self) -> date:
        """The last day the event runs, inclusive."""
        end = self.local_end
        if end is None:
            return self.start_date
        if not self.all_day and end.time() == end.time().min and end.date() > self.start_date:
            return end.date() - timedelta(days=1)
        return end.date()


class Listing(EventFields, Base):
    """One event as one source shows it, keyed by the source's own id (or canonical URL)."""

    __tablename__ = "listing"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[intpk]
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(500))
    raw: Mapped[json_dict]
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[timestamp]
    last_seen: Mapped[timestamp]
    changed_at: Mapped[timestamp]
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_crawls: Mapped[int] = mapped_column(Integer, default=0)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    # The start this listing had before its source moved it to another day (a postponement): sources
    # still showing the old day stay with it instead of leaving a ghost behind.
    moved_from: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[Source] = relationship(back_populates="listings")
    event: Mapped[Event | None] = relationship(back_populates="listings")

    def __repr__(self) -> str:
        return f"Listing(id={self.id!r}, key={self.key!r}, title={self.title!r})"


class Event(EventFields, Base):
    """The canonical, deduplicated event that subscribers see."""

    __tablename__ = "event"

    id: Mapped[intpk]
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
    status_note: Mapped[str | None] = mapped_column(Text)
    vevent: Mapped[str | None] = mapped_column(Text)

    listings: Mapped[list[Listing]] = relationship(back_populates="event")
    aliases: Mapped[list[EventAlias]] = relationship(back_populates="event")

    def __repr__(self) -> str:
        return f"Event(uid={self.uid!r}, title={self.title!r})"


class EventAlias(Base):
    """A UID absorbed by a merge; its URLs and feed entries redirect to the surviving event."""

    __tablename__ = "event_alias"

    uid: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[timestamp]

    event: Mapped[Event] = relationship(back_populates="aliases")


class HttpCache(Base):
    """The last response per URL: its validators for conditional requests, and its body to replay
    when the server answers 304."""

    __tablename__ = "http_cache"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[timestamp]


class User(Base):
    """An operator allowed into /admin."""

    __tablename__ = "app_user"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    # Part of every session's id: raising it ends all the user's sessions (aggregator.users).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[timestamp]

    def __repr__(self) -> str:
        return f"User(name={self.name!r})"


class DedupBlock(Base):
    """A listing filed under one local day and one area (département, région, online or unknown):
    dedup compares a listing only with the listings of its blocks."""

    __tablename__ = "dedup_block"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    area: Mapped[str] = mapped_column(String(80), primary_key=True)


class DedupCorrection(Base):
    """An operator's verdict on two listings: the same event, or not; every dedup respects it."""

    __tablename__ = "dedup_correction"
    __table_args__ = (UniqueConstraint("listing_a_id", "listing_b_id"),)

    id: Mapped[intpk]
    listing_a_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    listing_b_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    same: Mapped[bool] = mapped_column(Boolean)
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[timestamp]


class SchedulerLease(Base):
    """Which scheduler process is the active one, kept alive by its heartbeat."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[timestamp]
    heartbeat_at: Mapped[timestamp]


class DataVersion(Base):
    """A counter bumped whenever events change; feeds and pages derive their ETags from it."""

    __tablename__ = "data_version"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[timestamp]


Index("ix_listing_start_source", Listing.start, Listing.source_id)
# Events still running on a day: the earliest start among those ending after it bounds the start index.
Index("ix_event_end_start", Event.end, Event.start)
Index("ix_dedup_block_day_area", DedupBlock.day, DedupBlock.area)
Index("ix_dedup_correction_listing_b", DedupCorrection.listing_b_id)
Index("ix_listing_removed_missed", Listing.removed, Listing.missed_crawls)
# At most one running crawl per source: starting a crawl is an insert the database itself refuses.
Index(
    "ux_crawl_run_one_running",
    CrawlRun.source_id,
    unique=True,
    sqlite_where=CrawlRun.status == "running",
    postgresql_where=CrawlRun.status == "running",
)


class Image(Base):
    """A source's image of an event, fetched once and kept resized, so that pages serve it themselves.

    Keyed by the SHA-256 of its URL: every event showing that URL shares it. A URL that could not be
    fetched or read keeps its row with ``error`` and no data, and is not asked for again.
    """

    __tablename__ = "image"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    media_type: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[timestamp]
