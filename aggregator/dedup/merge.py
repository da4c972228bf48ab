"""The canonical fields of an event from its listings, each field from the source that knows best.

Speaking order: agenda entries before news posts, then the organizer's own source before regional
networks before national aggregators (precedence.py). Times and place, when the sources disagree:
agenda entries first, then the source speaking first by its role (declared, or the organizer's own
inferred), then the value most sources agree on, then the most specific (a precise time over a whole
day, a known end; the most specific place); each choice says which of these decided it. The
description: the longest. Status: cancelled when a source cancels, unless another source changed
its listing since, even once the event is over (a source first crawled after it may say so);
cancelled too, with a note, when every source of a coming event has dropped it for two successful
crawls. An event a source moved to another day is confirmed there, its note saying the day it was
first planned for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from aggregator.dedup.profile import Profile, clean_city
from aggregator.models import Event, Listing
from aggregator.normalize.geography import geography
from core.status import CANCELLED, CONFIRMED, POSTPONED
from core.zones import DEFAULT_TIMEZONE

RETIRED_NOTE = "retiré par ses sources"
RESCHEDULED_NOTE = "reporté ; initialement prévu le"
RETIRE_AFTER_CRAWLS = 2

# What decided a choice between disagreeing values, in the order the rules apply.
AGENDA = "agenda"  # an agenda entry over a news post
DECLARED = "declared"  # the role an operator gave the source
OWN = "own"  # the organizer's own source, inferred
MAJORITY = "majority"  # the value most sources give
SPECIFIC = "specific"  # the most specific value
ORDER = "order"  # nothing else did: the sources' order

TIME_FIELDS = ("start", "end", "all_day", "timezone")
PLACE_FIELDS = (
    *("location_name", "address", "postcode", "city", "insee", "department", "region", "country"),
    *("lat", "lon"),
)
# What a subscriber's calendar shows: a change here is a new SEQUENCE and a new "updated".
VISIBLE_FIELDS = ("title", "start", "end", "all_day", "timezone", "status", "online", *PLACE_FIELDS[:4])
MERGED_FIELDS = (
    "title",
    "description",
    *TIME_FIELDS,
    "url",
    "image",
    "status",
    "status_note",
    "online",
    *PLACE_FIELDS,
    "organizer",
    "categories",
)


@dataclass(frozen=True)
class Member:
    """A listing of the event and how dedup sees it."""

    listing: Listing
    profile: Profile

    @property
    def speaking_order(self) -> tuple[bool, bool, int, str, str]:
        """Sorts the listings that speak first first."""
        p = self.profile
        return (self.listing.removed, p.news, -p.rank, p.source_name, p.key)


def event_end(start: datetime, end: datetime | None, all_day: bool) -> datetime:
    """When an event is over: its end, or the end of its (last) day."""
    if all_day:
        return (end or start) + timedelta(days=1)
    return end or start


def is_past(event: Event, now: datetime) -> bool:
    return event_end(event.start, event.end, event.all_day) <= now


@dataclass(frozen=True)
class Choice:
    """The listing whose value of a field group (times, place) the event takes, every candidate best
    first, those whose value differs from it, and what decided (None when none differs)."""

    chosen: Member
    candidates: tuple[Member, ...]
    rivals: tuple[Member, ...]
    reason: str | None


Agree = Callable[[Listing, Listing], bool]


def choose(candidates: Sequence[Member], agree: Agree, detail: Callable[[Listing], Any]) -> Choice:
    """The candidate speaking first: an agenda entry, by its source's role, by the number of sources
    agreeing with its value, by ``detail`` (lower is more specific), by the sources' order."""
    if len(candidates) == 1:  # most events have one source: nothing to weigh
        return Choice(candidates[0], tuple(candidates), (), None)

    def key(member: Member) -> tuple[Any, ...]:
        listing, profile = member.listing, member.profile
        agreeing = {other.listing.source_id for other in candidates if agree(listing, other.listing)}
        return (profile.news, -profile.rank, -len(agreeing), detail(listing), member.speaking_order)

    keys = {id(member): key(member) for member in candidates}
    ranked = tuple(sorted(candidates, key=lambda m: keys[id(m)]))
    chosen = ranked[0]
    # Not agreeing with itself (a place named without city or postcode) makes no rival of the chosen.
    rivals = tuple(m for m in ranked[1:] if not agree(chosen.listing, m.listing))
    if not rivals:
        return Choice(chosen, ranked, (), None)
    best, runner_up = keys[id(chosen)], keys[id(rivals[0])]
    step = next(i for i, (a, b) in enumerate(zip(best, runner_up, strict=True)) if a != b)
    reason = (AGENDA, OWN, MAJORITY, SPECIFIC, ORDER)[step]
    if reason == OWN and chosen.profile.role.declared:
        reason = DECLARED
    return Choice(chosen, ranked, rivals, reason)


def active_members(members: Sequence[Member]) -> list[Member]:
    """The listings in speaking order, those their sources still show (all when none does)."""
    ordered = sorted(members, key=lambda m: m.speaking_order)
    return [m for m in ordered if not m.listing.removed] or ordered


def canonical_fields(members: Sequence[Member], now: datetime) -> dict[str, Any]:
    """Every merged field of the event these listings describe."""
    ordered = sorted(members, key=lambda m: m.speaking_order)
    active = active_members(ordered)
    first = active[0].listing
    fields: dict[str, Any] = {
        "title": first.title,
        "description": max((m.listing.description or "" for m in active), key=len, default="").strip(),
        "url": _first(m.listing.url for m in active),
        "image": _first(m.listing.image for m in active),
        "organizer": _first(m.listing.organizer for m in active),
        "categories": _union(m.listing.categories or [] for m in active),
    }
    fields.update(_times(active))
    fields.update(_place(active))
    fields.update(_status(ordered, fields, now))
    return fields


def _first(values: Any) -> Any:
    return next((v for v in values if v), None)


def _union(lists: Any) -> list[str]:
    seen: dict[str, None] = {}
    for values in lists:
        for value in values:
            seen.setdefault(value, None)
    return list(seen)


def _stale(members: Sequence[Member]) -> set[int]:
    """Listings still showing the day another source's listing moved away from."""
    movers = [m for m in members if m.listing.moved_from is not None]
    left = {timing.first_day for m in movers for timing in m.profile.timings[1:]}
    now_on = {m.profile.timings[0].first_day for m in movers}
    return {
        m.listing.id
        for m in members
        if m.listing.moved_from is None and m.profile.timings[0].first_day in left - now_on
    }


def same_time(a: Listing, b: Listing) -> bool:
    """One start, both timed or both whole days, and no two different ends."""
    ends_agree = a.end is None or b.end is None or a.end == b.end
    return a.start == b.start and a.all_day == b.all_day and ends_agree


def _time_detail(listing: Listing) -> tuple[bool, bool]:
    """A precise time before a whole day, a known end before none."""
    return (listing.all_day, listing.end is None)


def time_choice(members: Sequence[Member]) -> Choice:
    """Whose times the event takes, among the listings not left on a day the event moved from."""
    stale = _stale(members)
    current = [m for m in members if m.listing.id not in stale] or list(members)
    return choose(current, same_time, _time_detail)


def _times(members: Sequence[Member]) -> dict[str, Any]:
    choice = time_choice(members)
    chosen = choice.chosen.listing
    end = chosen.end
    if end is None:
        end = _first(
            m.listing.end
            for m in choice.candidates
            if m.listing.start == chosen.start and m.listing.all_day == chosen.all_day
        )
    return {"start": chosen.start, "end": end, "all_day": chosen.all_day, "timezone": chosen.timezone}


def _specificity(listing: Listing) -> int:
    return sum(
        bool(getattr(listing, name)) for name in ("address", "location_name", "postcode", "city", "insee")
    ) + _precise(listing)


def _precise(listing: Listing) -> bool:
    """Coordinates of the place itself, not its commune's centre."""
    return listing.lat is not None and not geography().is_centre(listing.insee, listing.lat, listing.lon)


def same_place(a: Listing, b: Listing) -> bool:
    """One city, or one postcode."""
    city = _city(a)
    return bool(city and city == _city(b)) or bool(a.postcode and a.postcode == b.postcode)


def place_choice(members: Sequence[Member]) -> Choice | None:
    """Whose place the event takes, among the listings placing it; None when none does."""
    placed = [m for m in members if not m.listing.online and _specificity(m.listing)]
    if not placed:
        return None
    return choose(placed, same_place, lambda listing: -_specificity(listing))


def _place(members: Sequence[Member]) -> dict[str, Any]:
    choice = place_choice(members)
    if choice is None:
        area = next((m.listing for m in members if m.listing.department or m.listing.region), None)
        online = any(m.listing.online for m in members)
        fields = dict.fromkeys(PLACE_FIELDS)
        if area is not None and not online:
            fields.update(department=area.department, region=area.region, country=area.country)
        return {**fields, "online": online}
    best = choice.chosen.listing
    fields = {name: getattr(best, name) for name in PLACE_FIELDS}
    approximate = not _precise(best)  # a commune's centre gives way to a source's own coordinates
    for other in choice.candidates:
        if not same_place(best, other.listing):
            continue
        if approximate and _precise(other.listing):
            fields.update(lat=other.listing.lat, lon=other.listing.lon)
            approximate = False
        for name in PLACE_FIELDS:
            if fields[name] in (None, "") and getattr(other.listing, name) not in (None, ""):
                fields[name] = getattr(other.listing, name)
    return {**fields, "online": False}


def _city(listing: Listing) -> str:
    return clean_city(listing.city)


def _status(members: Sequence[Member], fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    active = [m.listing for m in members if not m.listing.removed]
    upcoming = event_end(fields["start"], fields["end"], fields["all_day"]) > now
    if not active and upcoming and all(m.listing.missed_crawls >= RETIRE_AFTER_CRAWLS for m in members):
        return {"status": CANCELLED, "status_note": RETIRED_NOTE}
    # Sources drop an event once it is over: its status then stands on everything they said.
    pool = (active if upcoming else []) or [m.listing for m in members]
    # A source that postponed the event to a day it gives has rescheduled it: it happens then.
    rescheduled = [listing for listing in pool if not (listing.status == POSTPONED and listing.moved_from)]
    for status, listings in ((CANCELLED, pool), (POSTPONED, rescheduled)):
        if _stands(status, listings):
            return {"status": status, "status_note": None}
    return {"status": CONFIRMED, "status_note": _first_planned(members, fields)}


def _first_planned(members: Sequence[Member], fields: dict[str, Any]) -> str | None:
    """For an event moved to another day, the day it was first planned for."""
    left = [m.listing.moved_from for m in members if m.listing.moved_from is not None]
    if not left:
        return None
    zone = ZoneInfo(fields.get("timezone") or DEFAULT_TIMEZONE)
    day = min(left).astimezone(zone).date()
    if day == fields["start"].astimezone(zone).date():
        return None
    return f"{RESCHEDULED_NOTE} {format_date(day, format='d MMMM y', locale='fr')}"


def _stands(status: str, listings: Sequence[Listing]) -> bool:
    """Some source says ``status``, and no other source changed its listing since."""
    saying = [listing.changed_at for listing in listings if listing.status == status]
    if not saying:
        return False
    latest = max(saying)
    return not any(
        listing.status != status and listing.changed_at > latest and listing.changed_at > listing.first_seen
        for listing in listings
    )


@dataclass(frozen=True)
class Change:
    """What applying merged fields changed on an event."""

    any: bool
    visible: bool


def apply_fields(event: Event, fields: dict[str, Any], now: datetime, is_new: bool) -> Change:
    """Copy merged fields onto the event; SEQUENCE and ``updated`` move when what subscribers see
    changed. The caller clears the cached VEVENT when anything changed."""
    changed = {name for name, value in fields.items() if getattr(event, name, None) != value}
    visible = bool(changed & set(VISIBLE_FIELDS))
    for name in changed:
        setattr(event, name, fields[name])
    if visible and not is_new:
        event.sequence = (event.sequence or 0) + 1
        event.updated_at = now
    return Change(bool(changed), visible)
