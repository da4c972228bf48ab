"""What dedup compares of one listing, computed once: words, days, area, place, identities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.dedup.links import canonical_url, linked_urls, openagenda_uid
from aggregator.dedup.precedence import Role, is_news, listing_role
from aggregator.dedup.text import (
    STOPWORDS,
    acronyms_in,
    antonym_sides,
    capitalized,
    numbering,
    stem,
    straight_apostrophes,
    weighted_words,
    word_weight,
    words,
)
from aggregator.models import Listing, Source
from aggregator.normalize.geography import geography
from core.folding import lower_unaccented

ONLINE = "online"
UNKNOWN = "?"
REGION_PREFIX = "r:"
MAX_INDEXED_DAYS = 7  # longer events are indexed on their first and last days only
_CITY_NOISE = re.compile(r"\b(cedex|\d+(?:er|e|eme)?\s*arr(?:ondissement)?)\b.*$")


@dataclass(frozen=True, slots=True)
class Timing:
    """When a listing says the event happens, as dedup compares it."""

    start: datetime
    end: datetime | None
    all_day: bool
    first_day: date
    last_day: date
    clock: int  # local wall-clock minutes after midnight

    def days(self) -> list[date]:
        """The local days the event runs (first and last only beyond a week)."""
        span = (self.last_day - self.first_day).days
        if span >= MAX_INDEXED_DAYS:
            return [self.first_day, self.last_day]
        return [self.first_day + timedelta(days=n) for n in range(span + 1)]


@dataclass(frozen=True)
class Profile:
    """One listing as dedup sees it; what only some comparisons need (most of it: many pairs are
    told apart by their days and times alone) is worked out on first use."""

    id: int
    source_id: int
    source_name: str
    key: str
    first_seen: datetime
    role: Role
    news: bool
    removed: bool
    timings: tuple[Timing, ...]  # the listing's own first, then the day it moved from
    area: str
    department: str | None
    region: str | None
    city: str
    postcode: str | None
    lat: float | None
    lon: float | None
    online: bool
    oa_uid: str | None
    title_text: str
    city_text: str = field(repr=False)
    venue_text: str = field(repr=False)
    organizer_text: str = field(repr=False)
    page: str | None = field(repr=False)
    description: str = field(repr=False)
    raw: dict[str, Any] = field(repr=False)

    @property
    def rank(self) -> int:
        """Higher speaks first: the organizer's own, regional networks, national aggregators."""
        return self.role.rank

    @cached_property
    def title(self) -> dict[str, float]:
        """The title's words with their weights."""
        return weighted_words(self.title_text, words(self.city_text), acronyms_in(self.title_text))

    @cached_property
    def mentions(self) -> frozenset[str]:
        """Meaningful words of the venue and the organizer, which another title may quote."""
        found = (stem(w) for w in words(f"{self.venue_text} {self.organizer_text}"))
        return frozenset(w for w in found if word_weight(w) > 0)

    @cached_property
    def venue(self) -> str:
        return " ".join(w for w in words(self.venue_text) if w not in STOPWORDS)

    @cached_property
    def organizer(self) -> str:
        return lower_unaccented(straight_apostrophes(self.organizer_text)).strip()

    @cached_property
    def url(self) -> str | None:
        """The canonical URL of the listing's page."""
        return canonical_url(self.page)

    @cached_property
    def names(self) -> frozenset[str]:
        """Words the title capitalizes as names."""
        return frozenset(map(stem, capitalized(self.title_text)[0]))

    @cached_property
    def numbers(self) -> frozenset[tuple[str, int]]:
        return numbering(self.title_text)

    @cached_property
    def antonyms(self) -> frozenset[tuple[int, int]]:
        return antonym_sides(self.title)

    @cached_property
    def links(self) -> frozenset[str]:
        return linked_urls(self.description, self.raw)

    @property
    def stable_key(self) -> tuple[str, str]:
        """What names this listing in every database: its source's name and its key."""
        return (self.source_name, self.key)

    @property
    def age(self) -> tuple[datetime, str, str]:
        """Older listings sort first; ties fall back to the stable key."""
        return (self.first_seen, self.source_name, self.key)

    @cached_property
    def index_keys(self) -> frozenset[tuple[date, str]]:
        """The blocks this listing is filed under: (local day, area)."""
        return frozenset((day, self.area) for day in self.query_days)

    @cached_property
    def query_areas(self) -> tuple[str, ...] | None:
        """The areas whose listings may be this one's event; None for every area."""
        if self.area in (ONLINE, UNKNOWN) or self.area.startswith(REGION_PREFIX):
            return None
        areas = [self.area, UNKNOWN, ONLINE]
        if self.region:
            areas.append(REGION_PREFIX + self.region)
        return tuple(areas)

    @cached_property
    def query_days(self) -> frozenset[date]:
        """The local days this listing is filed under and looks in."""
        return frozenset(day for timing in self.timings for day in timing.days())


def area_of(online: bool, department: str | None, region: str | None) -> str:
    if online:
        return ONLINE
    if department:
        return department
    if region:
        return REGION_PREFIX + region
    return UNKNOWN


def timing_of(start: datetime, end: datetime | None, all_day: bool, timezone: str) -> Timing:
    """The timing of an occurrence, its days counted in its own time zone."""
    zone = ZoneInfo(timezone)
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone) if end is not None else None
    last = local_start.date()
    if local_end is not None:
        last = max(last, local_end.date())
        if not all_day and local_end.time() == local_end.time().min and local_end.date() > local_start.date():
            last = local_end.date() - timedelta(days=1)
    return Timing(
        start=start,
        end=end,
        all_day=all_day,
        first_day=local_start.date(),
        last_day=last,
        clock=local_start.hour * 60 + local_start.minute,
    )


def clean_city(city: str | None) -> str:
    """A city name folded for comparison: "Lyon 3e Arrondissement" → "lyon"."""
    folded = " ".join(words(city))
    return _CITY_NOISE.sub("", folded).strip()


def build_profile(listing: Listing, source: Source, moved_from: datetime | None = None) -> Profile:
    """The profile of ``listing``; ``moved_from`` adds the start it had before a postponement."""
    raw: dict[str, Any] = listing.raw or {}
    timings = [timing_of(listing.start, listing.end, listing.all_day, listing.timezone)]
    moved = moved_from if moved_from is not None else listing.moved_from
    if moved is not None and moved != listing.start:
        shift = moved - listing.start
        end = listing.end + shift if listing.end is not None else None
        timings.append(timing_of(moved, end, listing.all_day, listing.timezone))
    department = listing.department or None
    region = listing.region or None
    city = clean_city(listing.city)
    # A commune's centre says no more than its city: distances are only measured between real places.
    precise = not geography().is_centre(listing.insee, listing.lat, listing.lon)
    return Profile(
        id=listing.id,
        source_id=listing.source_id,
        source_name=source.name,
        key=listing.key,
        first_seen=listing.first_seen,
        role=listing_role(source, listing),
        news=is_news(source.kind, raw),
        removed=bool(listing.removed),
        timings=tuple(timings),
        area=area_of(bool(listing.online), department, region),
        department=department,
        region=region,
        city=city,
        postcode=listing.postcode or None,
        lat=listing.lat if precise else None,
        lon=listing.lon if precise else None,
        online=bool(listing.online),
        oa_uid=openagenda_uid(source.kind, raw),
        title_text=listing.title,
        city_text=listing.city or "",
        venue_text=listing.location_name or "",
        organizer_text=listing.organizer or "",
        page=listing.url,
        description=listing.description or "",
        raw=raw,
    )
