"""Deduplication: listings → canonical events, incrementally after each crawl or all over again.

An incremental run starts from the listings a crawl changed and gathers everything their clusters
depend on: the listings filed under their blocks that score as the same event, those listings' own
blocks in turn, the other listings of the events involved and the listings an operator tied to them.
That neighbourhood is clustered afresh (complete link, see ``clustering``) and each cluster keeps the
identity ``identity.plan_identities`` gives it. A rebuild does the same over every listing at once;
since verdicts depend only on the two listings compared, both give the same clusters and the same
UIDs whatever order listings arrived in.

Past events are never changed by crawls: their listings stay together, two of them never merge,
their fields move only when a new source joins, and their status never does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from aggregator.collector import collector_paused
from aggregator.config import get_settings
from aggregator.db import ROWS_PER_STATEMENT, chunks
from aggregator.dedup.blocking import BlockIndex, BlockLookup, file_listings, refile_all
from aggregator.dedup.clustering import UnionFind, complete_link, units_from_constraints
from aggregator.dedup.constraints import Constraints
from aggregator.dedup.identity import (
    EventAge,
    Plan,
    bump_data_version,
    clear_fragments,
    mint_uid,
    plan_identities,
)
from aggregator.dedup.locking import lock_for_dedup
from aggregator.dedup.merge import (
    RETIRE_AFTER_CRAWLS,
    RETIRED_NOTE,
    Member,
    apply_fields,
    canonical_fields,
    event_end,
    is_past,
)
from aggregator.dedup.profile import Profile, Timing, build_profile, timing_of
from aggregator.dedup.scoring import COMPATIBLE, SAME_EVENT, Verdict, common_ground, compare
from aggregator.models import DedupBlock, DedupCorrection, Event, EventAlias, Listing, Source
from aggregator.types import utcnow


@dataclass
class DedupStats:
    created: int = 0  # new events
    merged: int = 0  # listings that joined an event already known
    updated: int = 0  # known events whose fields changed
    absorbed: int = 0  # events merged into another (their UIDs became aliases)


def deduplicate(session: Session, listing_ids: Iterable[int], now: datetime | None = None) -> DedupStats:
    """Place each changed listing in its event (creating, merging or splitting events as needed).

    Takes the dedup lock, held until the caller's transaction ends: commit soon after.
    """
    now = now or utcnow()
    lock_for_dedup(session)
    filed, corrected = session.execute(
        select(exists(DedupBlock.listing_id), exists(DedupCorrection.id))
    ).one()
    if not filed and session.scalar(select(Listing.id).limit(1)) is not None:
        return _rebuild(session, now, listing_ids)  # listings stored before blocks existed: file them all
    run = _Run(session, now)
    run.constraints.none_stored = not corrected
    seeds = run.load_seeds(listing_ids)
    if not seeds:
        return DedupStats()
    run.note_moves(seeds)
    run.changed.update(seeds)
    file_listings(session, [run.profiles[i] for i in seeds])
    return run.resolve(run.expand(seeds))


def rebuild(session: Session, now: datetime | None = None) -> DedupStats:
    """Recompute every cluster from every listing; unchanged clusters keep their events and UIDs."""
    now = now or utcnow()
    lock_for_dedup(session)
    return _rebuild(session, now)


def pending_listing_ids(session: Session) -> list[int]:
    """Listings no dedup has placed yet."""
    return list(session.scalars(select(Listing.id).where(Listing.event_id.is_(None))))


def retirement_candidates(now: datetime) -> Select[int]:
    """Listings of coming events, not retired yet, that every source has dropped for long enough to
    retire them. The store does not report a listing missed once more as a change: every dedup picks
    these up instead. An event some source still shows is left out, examining it would change nothing.
    """
    other = aliased(Listing)
    still_shown = exists().where(
        other.event_id == Listing.event_id,
        or_(other.removed.is_(False), other.missed_crawls < RETIRE_AFTER_CRAWLS),
    )
    return (
        select(Listing.id)
        .join(Event, Listing.event_id == Event.id)
        .where(
            Listing.removed.is_(True),
            Listing.missed_crawls >= RETIRE_AFTER_CRAWLS,
            func.coalesce(Event.end, Event.start) >= now - timedelta(days=1),
            or_(Event.status_note.is_(None), Event.status_note != RETIRED_NOTE),
            ~still_shown,
        )
    )


def _rebuild(session: Session, now: datetime, changed: Iterable[int] = ()) -> DedupStats:
    with collector_paused():  # a rebuild keeps every listing in memory
        return _rebuild_all(session, now, changed)


def _rebuild_all(session: Session, now: datetime, changed: Iterable[int]) -> DedupStats:
    run = _Run(session, now)
    ids = list(session.scalars(select(Listing.id).order_by(Listing.id)))
    run.load(ids)
    profiles = [run.profiles[i] for i in ids]
    refile_all(session, profiles)
    run.constraints.load_all(session)
    run.constraints.loaded.update(ids)
    run.changed.update(i for i in changed if i in run.listings)
    index = BlockIndex(profiles)
    for profile in profiles:
        for other in index.candidates(profile):
            if other != profile.id:
                run.weigh(profile.id, other)
    return run.resolve(set(ids))


class _Run:
    """One dedup run: the listings it loaded, their profiles, and the verdicts it computed."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.sources: dict[int, Source] = {}
        self.listings: dict[int, Listing] = {}
        self.profiles: dict[int, Profile] = {}
        self.verdicts: dict[tuple[int, int], Verdict] = {}
        self.tokens: dict[int, set[str]] = {}
        self.constraints = Constraints()
        self.edges = UnionFind()  # listings tied by a verdict of "same event"
        self.near: list[tuple[int, int]] = []  # the pairs found the same event
        self.stats = DedupStats()
        self.attachments: dict[int, int] = {}  # listing → event, to write
        self.of_event: dict[int, list[Listing]] = {}  # the listings of each event, as resolving began
        self.left: set[int] = set()  # events a listing moved out of
        # Listings that changed at their source (removed, back, or rewritten): their events'
        # fragments name the sources and link their pages, even when the event's fields stay.
        self.changed: set[int] = set()

    # -- loading ------------------------------------------------------------------------------

    def load(self, ids: Iterable[int]) -> list[int]:
        """Load listings not loaded yet; returns the requested ids that exist."""
        wanted = set(ids)
        fresh = sorted(wanted - self.listings.keys())
        for chunk in chunks(fresh):
            self._load_where(Listing.id.in_(chunk))
        return sorted(wanted & self.listings.keys())

    def load_seeds(self, ids: Iterable[int]) -> list[int]:
        """Load the changed listings and those that may now retire their event."""
        retiring = self.session.scalars(retirement_candidates(self.now))
        return self.load({*ids, *retiring})

    def _load_where(self, condition: ColumnElement[bool]) -> set[int]:
        """Load the listings matching ``condition``; returns their ids."""
        return self._register(self.session.scalars(select(Listing).where(condition)))

    def _register(self, rows: Iterable[Listing]) -> set[int]:
        """Keep listings and profile them; returns their ids."""
        listings = list(rows)
        self._load_sources({listing.source_id for listing in listings})
        for listing in listings:
            if listing.id not in self.profiles:
                self.listings[listing.id] = listing
                self.profiles[listing.id] = build_profile(listing, self.sources[listing.source_id])
        return {listing.id for listing in listings}

    def _load_sources(self, ids: set[int]) -> None:
        """Read the sources not read yet, once each: joined to every listing's row, they made
        loading listings a sixth slower."""
        missing = sorted(ids - self.sources.keys())
        if missing:
            self.sources.update(
                (s.id, s) for s in self.session.scalars(select(Source).where(Source.id.in_(missing)))
            )

    def tokens_of(self, listing_id: int) -> set[str]:
        """The listing's common ground (``scoring.common_ground``), worked out once."""
        found = self.tokens.get(listing_id)
        if found is None:
            found = self.tokens[listing_id] = common_ground(self.profiles[listing_id])
        return found

    def verdict(self, a: int, b: int) -> Verdict:
        key = (a, b) if a < b else (b, a)
        found = self.verdicts.get(key)
        if found is None:
            found = self.verdicts[key] = compare(self.profiles[key[0]], self.profiles[key[1]])
        return found

    def weigh(self, a: int, b: int) -> bool:
        """Whether a pair a lookup found is the same event; such a pair ties its listings' groups."""
        if not self.verdict(a, b).same:
            return False
        self.edges.union(a, b)
        self.near.append((a, b))
        return True

    def order(self, listing_id: int) -> tuple[str, ...]:
        return self.profiles[listing_id].stable_key

    # -- postponements ------------------------------------------------------------------------

    def note_moves(self, seeds: Sequence[int]) -> None:
        """A listing whose source moved it to another day drags its event along: it remembers the day
        it left, so sources still showing that day stay with it."""
        event_ids = {self.listings[i].event_id for i in seeds} - {None}
        if not event_ids:
            return
        events = {e.id: e for e in self.session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        self._load_where(Listing.event_id.in_(sorted(event_ids)))
        for seed in seeds:
            listing = self.listings[seed]
            event = events.get(listing.event_id) if listing.event_id else None
            if event is None or is_past(event, self.now):
                continue
            moved_from = self._moved_from(listing, event)
            if moved_from != listing.moved_from:
                listing.moved_from = moved_from
                self.profiles[seed] = build_profile(listing, self.sources[listing.source_id])

    def _moved_from(self, listing: Listing, event: Event) -> datetime | None:
        """The start to remember for a listing of ``event``.

        A listing that left the coming event's days remembers the event's start (its source moved
        the event, whether or not other sources still show the old days); one that travelled with
        an already moved event remembers where the event was; one back on the day it left forgets.
        """
        own = self.profiles[listing.id].timings[0]
        if listing.moved_from is not None:
            left = timing_of(listing.moved_from, None, listing.all_day, listing.timezone)
            if left.first_day == own.first_day:
                return None
            return listing.moved_from
        shown = timing_of(event.start, event.end, event.all_day, event.timezone)
        mates = [m for m in self.listings.values() if m.event_id == event.id and m.id != listing.id]
        if _days_meet(own, shown):
            return next((m.moved_from for m in mates if m.moved_from is not None), None)
        return event.start

    # -- the neighbourhood --------------------------------------------------------------------

    def expand(self, seeds: Sequence[int]) -> set[int]:
        """Every listing the clusters of ``seeds`` depend on (see the module docstring)."""
        members = set(seeds)
        frontier = set(seeds)
        seen_events: set[int] = set()
        blocks = BlockLookup(self.session, self.tokens_of)
        while frontier:
            self.constraints.load(self.session, frontier)
            event_ids = {e for i in frontier if (e := self.listings[i].event_id) is not None} - seen_events
            seen_events |= event_ids
            found = self._load_where(Listing.event_id.in_(sorted(event_ids))) if event_ids else set()
            self.load(blocks.read(self.profiles[i] for i in frontier))
            partners = self.constraints.partners(frontier)
            self.load(partners)
            found |= partners & self.listings.keys()
            for listing in frontier:
                for other in blocks.candidates(self.profiles[listing]) - {listing}:
                    if self.weigh(listing, other):
                        found.add(other)
            frontier = found - members
            members |= found
        return members

    # -- clustering and identities ------------------------------------------------------------

    def resolve(self, members: set[int]) -> DedupStats:
        """Cluster ``members`` and bring their events in line."""
        events = self._events({e for i in members if (e := self.listings[i].event_id) is not None})
        frozen = {e.id for e in events.values() if is_past(e, self.now)}
        leaving = {i for i in members if self.listings[i].event_id in frozen and self._upcoming(i)}
        frozen_of = {
            i: self.listings[i].event_id
            for i in members
            if self.listings[i].event_id in frozen and i not in leaving
        }
        clusters = self._cluster(sorted(members), frozen_of)
        event_of = {i: (None if i in leaving else self.listings[i].event_id) for i in members}
        ages = {e.id: EventAge(e.created_at, e.uid) for e in events.values()}
        plans = plan_identities(clusters, event_of, ages, lambda i: self._listing_age(i))
        created = self._create_events([plan for plan in plans if plan.event_id is None])
        # Each event's listings, for absorbing: a listing only ever joins an event no plan absorbs.
        self.of_event = defaultdict(list)
        for listing in self.listings.values():
            if listing.event_id is not None:
                self.of_event[listing.event_id].append(listing)
        stale = set()
        for plan in plans:
            if plan.event_id is None:
                self._attach(plan.listings, created[id(plan)])
            elif self._update(plan, events, plan.event_id in frozen):
                stale.add(plan.event_id)
        self._write_attachments()
        # Events that only lost a listing, or whose listing changed, changed too for their fragments.
        announced = {e for i in self.changed if (e := self.listings[i].event_id) is not None}
        cleared = self._clear_fragments(stale | self.left | announced, events)
        changed = bool(created or stale or self.left) or cleared
        if changed:
            bump_data_version(self.session)
        self.session.flush()
        return self.stats

    def _events(self, ids: set[int]) -> dict[int, Event]:
        found: dict[int, Event] = {}
        for chunk in chunks(sorted(ids)):
            for event in self.session.scalars(select(Event).where(Event.id.in_(chunk))):
                found[event.id] = event
        return found

    def _upcoming(self, listing_id: int) -> bool:
        listing = self.listings[listing_id]
        return event_end(listing.start, listing.end, listing.all_day) > self.now

    def _listing_age(self, listing_id: int) -> tuple[datetime, str, str]:
        return self.profiles[listing_id].age

    def _cluster(self, members: list[int], frozen_of: dict[int, int | None]) -> list[list[int]]:
        together = [sorted(ids) for ids in _group_by(frozen_of).values()]
        together += self.constraints.together(members)
        units = units_from_constraints(members, together, self.constraints.apart, self.order)
        for unit in units:
            for other in unit[1:]:
                self.edges.union(unit[0], other)

        def linkage(a: int, b: int) -> float | None:
            if self.constraints.apart(a, b):
                return None
            if a in frozen_of and b in frozen_of and frozen_of[a] != frozen_of[b]:
                return None  # two past events never merge
            verdict = self.verdict(a, b)
            return None if verdict.veto else verdict.score

        unit_of = {i: tuple(unit) for unit in units for i in unit}
        near: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
        for pair in self.near:
            near[self.edges.find(pair[0])].append(pair)
        clusters: list[list[int]] = []
        for group in self.edges.groups(members):
            group_units = sorted({unit_of[i] for i in group}, key=lambda u: self.order(u[0]))
            group_near = near.get(self.edges.find(group[0]), [])
            clusters += complete_link(group_units, linkage, self.order, SAME_EVENT, COMPATIBLE, group_near)
        return clusters

    def _fields(self, listing_ids: Sequence[int]) -> dict[str, Any]:
        return canonical_fields([Member(self.listings[i], self.profiles[i]) for i in listing_ids], self.now)

    def _create_events(self, plans: Sequence[Plan]) -> dict[int, int]:
        """New events for the clusters that claim none, inserted in one statement; their ids by plan."""
        if not plans:
            return {}
        host = get_settings().uid_host
        rows = [
            {
                **self._fields(plan.listings),
                "uid": mint_uid(host),
                "sequence": 0,
                "created_at": self.now,
                "updated_at": self.now,
                "vevent": None,
            }
            for plan in plans
        ]
        by_uid: dict[str, int] = {}
        for chunk in chunks(rows):  # one huge RETURNING is slow to gather
            inserted = self.session.connection().execute(insert(Event).returning(Event.id, Event.uid), chunk)
            by_uid.update((uid, event_id) for event_id, uid in inserted)
        self.stats.created += len(plans)
        return {id(plan): by_uid[row["uid"]] for plan, row in zip(plans, rows, strict=True)}

    def _attach(self, listing_ids: Iterable[int], event_id: int) -> list[int]:
        """Point listings at an event (written by ``_write_attachments``); returns those that moved."""
        moved = [i for i in listing_ids if self.listings[i].event_id != event_id]
        for i in moved:
            listing = self.listings[i]
            if listing.event_id is not None:
                self.left.add(listing.event_id)
            set_committed_value(listing, "event_id", event_id)
            self.session.expire(listing, ["event"])
            self.attachments[i] = event_id
        return moved

    def _write_attachments(self) -> None:
        """One bulk UPDATE for every listing that changed event."""
        rows = [{"listing_id": i, "event": e} for i, e in sorted(self.attachments.items())]
        statement = (
            update(Listing).where(Listing.id == bindparam("listing_id")).values(event_id=bindparam("event"))
        )
        for chunk in chunks(rows, ROWS_PER_STATEMENT):
            self.session.connection().execute(statement, chunk)
        for event_id in set(self.attachments.values()):
            event = self.session.identity_map.get(self.session.identity_key(Event, event_id))
            if event is not None:
                self.session.expire(event, ["listings"])
        self.attachments.clear()

    def _update(self, plan: Plan, events: dict[int, Event], past: bool) -> bool:
        """Bring a known event in line with its cluster; True when anything changed."""
        event = events[plan.event_id] if plan.event_id is not None else None
        assert event is not None
        for absorbed in plan.absorbed:
            self._absorb(events[absorbed], event)
        joined = self._attach(plan.listings, event.id)
        self.stats.merged += len(joined)
        fields = self._fields(plan.listings)
        if past and not joined and not plan.absorbed:
            # A past event keeps what it showed; its status still follows what its sources say,
            # since a source may say it was cancelled only when first crawled after it ended.
            fields = {"status": fields["status"], "status_note": fields["status_note"]}
        change = apply_fields(event, fields, self.now, is_new=False)
        self.stats.updated += change.any
        return change.any or bool(joined) or bool(plan.absorbed)

    def _clear_fragments(self, event_ids: set[int], events: dict[int, Event]) -> bool:
        """Drop the fragments of these events (those a merge deleted are gone already)."""
        cleared = clear_fragments(self.session, event_ids)
        for event_id in event_ids & events.keys():
            set_committed_value(events[event_id], "vevent", None)
        return bool(cleared)

    def _absorb(self, absorbed: Event, survivor: Event) -> None:
        """Merge ``absorbed`` into ``survivor``: its UID and its own aliases now lead there."""
        self._write_attachments()
        for alias in self.session.scalars(select(EventAlias).where(EventAlias.event_id == absorbed.id)):
            alias.event_id = survivor.id
        for listing in self.of_event.get(absorbed.id, []):
            if listing.event_id == absorbed.id:
                listing.event_id = survivor.id
        self.session.add(EventAlias(uid=absorbed.uid, event_id=survivor.id, created_at=self.now))
        self.session.flush()
        self.session.expire(absorbed, ["aliases", "listings"])
        self.session.delete(absorbed)
        self.session.flush()
        self.session.expire(survivor, ["aliases", "listings"])
        self.stats.absorbed += 1


def _days_meet(a: Timing, b: Timing) -> bool:
    return a.first_day <= b.last_day and b.first_day <= a.last_day


def _group_by(frozen_of: dict[int, int | None]) -> dict[int | None, list[int]]:
    groups: dict[int | None, list[int]] = {}
    for listing, event in frozen_of.items():
        groups.setdefault(event, []).append(listing)
    return groups
