"""Blocking: a listing is compared only with listings filed under one of its (local day, area) blocks.

Each listing is filed under the days it runs (its first and last days only past a week) and its
area: its département, else "r:<région>", else "online" or "?". A listing with a département looks
in its own, its région's, the online and the unknown areas; a listing with no département looks in
every area of its days. ``scoring.areas_meet`` accepts exactly the pairs these lookups can find, so
starting from either listing of a pair finds the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from aggregator.db import ROWS_PER_STATEMENT, chunks
from aggregator.dedup.profile import Profile
from aggregator.dedup.scoring import common_ground
from aggregator.models import DedupBlock, Listing


def _rows(profiles: Iterable[Profile]) -> list[dict[str, object]]:
    return [
        {"listing_id": p.id, "day": day, "area": area} for p in profiles for day, area in sorted(p.index_keys)
    ]


def file_listings(session: Session, profiles: Sequence[Profile]) -> None:
    """File listings under their current blocks (replacing their old ones)."""
    ids = [p.id for p in profiles]
    for chunk in chunks(ids):
        session.execute(delete(DedupBlock).where(DedupBlock.listing_id.in_(chunk)))
    for rows in chunks(_rows(profiles), ROWS_PER_STATEMENT):
        session.execute(insert(DedupBlock), rows)


def refile_all(session: Session, profiles: Sequence[Profile]) -> None:
    """Every listing filed afresh."""
    session.execute(delete(DedupBlock))
    for rows in chunks(_rows(profiles), ROWS_PER_STATEMENT):
        session.execute(insert(DedupBlock), rows)


class BlockLookup:
    """The blocks one run looked in and the listings it found there: a block is read only once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[tuple[date, str], set[int]] = defaultdict(set)
        self.read_days: set[date] = set()  # every area of these days read
        self.read_blocks: set[tuple[date, str]] = set()

    def candidates(self, profile: Profile) -> set[int]:
        """The listings filed under the blocks ``profile`` looks in (read by ``read`` first)."""
        areas = profile.query_areas
        found: set[int] = set()
        for day in profile.query_days:
            if areas is None:
                for (block_day, _), ids in self.found.items():
                    if block_day == day:
                        found |= ids
            else:
                for area in areas:
                    found |= self.found.get((day, area), set())
        return found

    def read(self, profiles: Iterable[Profile]) -> list[Listing]:
        """Read the blocks these profiles look in that no earlier read covered (one query); returns
        the listings found there."""
        every_area: set[date] = set()
        some_areas: dict[date, set[str]] = defaultdict(set)
        for profile in profiles:
            areas = profile.query_areas
            for day in profile.query_days - self.read_days:
                if areas is None:
                    every_area.add(day)
                else:
                    some_areas[day].update(a for a in areas if (day, a) not in self.read_blocks)
        conditions: list[ColumnElement[bool]] = [DedupBlock.day.in_(sorted(every_area))] if every_area else []
        conditions += [
            and_(DedupBlock.day == day, DedupBlock.area.in_(sorted(areas)))
            for day, areas in sorted(some_areas.items())
            if areas and day not in every_area
        ]
        if not conditions:
            return []
        self.read_days |= every_area
        self.read_blocks |= {(day, area) for day, areas in some_areas.items() for area in areas}
        query = (
            select(DedupBlock.day, DedupBlock.area, Listing)
            .join(Listing, Listing.id == DedupBlock.listing_id)
            .where(or_(*conditions))
        )
        listings: dict[int, Listing] = {}
        for day, area, listing in self.session.execute(query):
            self.found[(day, area)].add(listing.id)
            listings[listing.id] = listing
        return list(listings.values())


class BlockIndex:
    """The same lookups in memory, for a rebuild, which compares each pair from whichever side finds it.

    A listing with a département looks in its own département's blocks. A listing without one
    (online, or placed only in a région, or nowhere) looks at every listing of its days sharing a
    token of ``scoring.common_ground`` with it: pairs sharing none can never be the same event, and
    reading whole days for them would make a rebuild's time grow with the square of its size.
    """

    def __init__(self, profiles: Sequence[Profile]) -> None:
        self.by_block: dict[tuple[date, str], list[int]] = defaultdict(list)
        self.by_token: dict[tuple[date, str], list[int]] = defaultdict(list)
        self.tokens: dict[int, set[str]] = {}
        # Tokens are looked up only by listings with no département, on their own days: most
        # listings have one, and working out their tokens costs more than the rest of the index.
        token_days = {day for p in profiles if p.query_areas is None for day in p.query_days}
        for profile in profiles:
            for day, area in profile.index_keys:
                self.by_block[(day, area)].append(profile.id)
                if day in token_days:
                    for token in self._tokens(profile):
                        self.by_token[(day, token)].append(profile.id)

    def _tokens(self, profile: Profile) -> set[str]:
        if profile.id not in self.tokens:
            self.tokens[profile.id] = common_ground(profile)
        return self.tokens[profile.id]

    def candidates(self, profile: Profile) -> set[int]:
        areas = profile.query_areas
        found: set[int] = set()
        for day in profile.query_days:
            if areas is None:
                for token in self._tokens(profile):
                    found.update(self.by_token.get((day, token), ()))
            else:
                found.update(self.by_block.get((day, profile.area), ()))
        return found
