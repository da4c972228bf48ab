"""Blocking: a listing is compared only with listings filed under one of its (local day, area) blocks.

Each listing is filed under the days it runs (its first and last days only past a week) and its
area: its département, else "r:<région>", else "online" or "?". A listing with a département looks
in its own, its région's, the online and the unknown areas; a listing with no département looks in
every area of its days. ``scoring.areas_meet`` accepts exactly the pairs these lookups can find, so
starting from either listing of a pair finds the other.

A block stays small whatever the day's volume: in a block holding more than ``CROWDED`` listings,
a listing is compared only with those sharing a token of ``scoring.common_ground`` with it (pairs
sharing none can never be the same event), and a token that more than ``CROWDED`` of them share (a
word every listing of a crowded day has) draws none. A listing with a rarer token, even one nobody
else has (a host's name), is rare enough: only a generic listing, whose every token is crowded,
draws the listings sharing its rarest token, and is drawn by them in turn, so either side of such a
pair finds the other. A dedup's cost then grows with the listings it places, not with a day's.
A crawl's lookups narrow small blocks the same way: each of its listings reads its département's,
région's, online and unknown blocks, and comparing it with every listing there cost most of a
crowded day's run, for pairs that share no token and so can never match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import ColumnElement, Text, and_, cast, delete, insert, or_, select
from sqlalchemy.orm import Session

from aggregator.db import ROWS_PER_STATEMENT, chunks
from aggregator.dedup.precedence import NEWS_KEYS
from aggregator.dedup.profile import Profile
from aggregator.dedup.scoring import common_ground
from aggregator.models import DedupBlock, Listing

Block = tuple[date, str]  # (local day, area)
CROWDED = 64  # listings of a block, or of a block sharing one token, past which tokens choose
Tokens = Callable[[int], set[str]]  # a listing's common ground, by id
# Whether a listing's payload names a key a news post's has: its JSON text quotes each key.
MAYBE_NEWS = or_(*(cast(Listing.raw, Text).contains(f'"{key}"', autoescape=True) for key in NEWS_KEYS))


def token_candidates(postings: Mapping[str, Collection[int]], tokens: Collection[str]) -> set[int]:
    """The listings of one block sharing one of ``tokens`` (see the module docstring)."""
    rarest = generic_rarest(postings, tokens)
    if rarest is not None:
        return set(postings[rarest])
    found: set[int] = set()
    for token in tokens:
        if len(posting := postings.get(token, ())) <= CROWDED:
            found.update(posting)
    return found


def generic_rarest(postings: Mapping[str, Collection[int]], tokens: Collection[str]) -> str | None:
    """A generic listing's rarest token: the one it draws by; None for a listing with a rarer one."""
    if not tokens or any(len(postings.get(token, ())) <= CROWDED for token in tokens):
        return None
    return min(sorted(tokens), key=lambda token: len(postings[token]))


class Postings:
    """Token → listings, for the crowded blocks of one run, built as their listings are loaded."""

    def __init__(self, tokens: Tokens, small_too: bool = False) -> None:
        self.tokens = tokens
        self.small_too = small_too  # a small block's members share a token too, not all of them
        self.by_block: dict[Block, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.indexed: dict[Block, set[int]] = defaultdict(set)
        self.generic: dict[Block, dict[str, set[int]]] = {}  # generic listings by their rarest token

    def candidates(self, block: Block, members: Collection[int], listing_id: int) -> set[int]:
        """The members of ``block`` that ``listing_id`` may match (all of a small block's unless
        ``small_too``)."""
        if len(members) <= CROWDED and not self.small_too:
            return set(members)
        postings, generic = self._index(block, members)
        tokens = self.tokens(listing_id)
        found = token_candidates(postings, tokens)
        for token in tokens:
            found.update(generic.get(token, ()))
        return found

    def _index(
        self, block: Block, members: Collection[int]
    ) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        """The block's postings and generic listings, brought up to date with ``members`` (which
        only grow within a run)."""
        postings, indexed = self.by_block[block], self.indexed[block]
        if len(indexed) < len(members) or block not in self.generic:
            for member in members:
                if member not in indexed:
                    indexed.add(member)
                    for token in self.tokens(member):
                        postings[token].add(member)
            generic: dict[str, set[int]] = defaultdict(set)
            for member in indexed:
                if (rarest := generic_rarest(postings, self.tokens(member))) is not None:
                    generic[rarest].add(member)
            self.generic[block] = generic
        return postings, self.generic[block]


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
    """The blocks one run looked in and the listings it found there: a block is read only once.

    A listing is loaded only when one of the listings looking in its block may be the same event:
    ``scoring`` vetoes two events of one source unless one of them is a news post, and the blocks a
    crawl's new listings look in hold mostly the same source's other events. Those left out stay
    noted with their source, for a later reader from another source. Whether a listing may be a
    news post is read off its payload's text: one naming none of ``NEWS_KEYS`` is not.
    """

    def __init__(self, session: Session, tokens: Tokens) -> None:
        self.session = session
        self.postings = Postings(tokens, small_too=True)
        self.found: dict[Block, set[int]] = defaultdict(set)  # loaded
        self.unread: dict[Block, dict[int, int]] = defaultdict(dict)  # listing → its source
        self.maybe_news: set[int] = set()
        self.read_days: set[date] = set()  # every area of these days read
        self.read_blocks: set[Block] = set()

    def candidates(self, profile: Profile) -> set[int]:
        """The listings loaded from the blocks ``profile`` looks in (by ``read`` first) that it may
        match: those sharing a token (rare enough, in a crowded block)."""
        found: set[int] = set()
        for block in self._blocks(profile, self.found):
            found |= self.postings.candidates(block, self.found[block], profile.id)
        return found

    def _blocks(self, profile: Profile, known: Mapping[Block, object]) -> list[Block]:
        """The blocks of ``known`` that ``profile`` looks in."""
        areas = profile.query_areas
        if areas is None:
            return [block for block in known if block[0] in profile.query_days]
        return [(day, area) for day in profile.query_days for area in areas if (day, area) in known]

    def read(self, profiles: Iterable[Profile]) -> list[int]:
        """Read the blocks these profiles look in that no earlier read covered; returns the
        listings there that one of them may match, for the caller to load."""
        profiles = list(profiles)
        self._read_blocks(profiles)
        # Who looks in each block: a listing there is wanted by a reader of another source, or by
        # any reader when one of them, or the listing, may be a news post.
        readers: dict[Block, set[int]] = defaultdict(set)
        news_read: set[Block] = set()
        for profile in profiles:
            for block in self._blocks(profile, self.unread):
                readers[block].add(profile.source_id)
                if profile.news:
                    news_read.add(block)
        wanted: set[int] = set()
        for block, sources in readers.items():
            unread = self.unread[block]
            taken = [
                listing_id
                for listing_id, source_id in unread.items()
                if block in news_read or len(sources) > 1 or source_id not in sources
                or listing_id in self.maybe_news
            ]  # fmt: skip
            for listing_id in taken:
                del unread[listing_id]
                self.found[block].add(listing_id)
            wanted.update(taken)
        return sorted(wanted)

    def _read_blocks(self, profiles: list[Profile]) -> None:
        """Note which listing of which source each block holds, for the blocks not read yet."""
        every_area: set[date] = set()
        days_of: dict[tuple[str, ...], set[date]] = defaultdict(set)  # by the areas looked in
        for profile in profiles:
            areas = profile.query_areas
            for day in profile.query_days - self.read_days:
                if areas is None:
                    every_area.add(day)
                elif fresh := tuple(sorted(a for a in areas if (day, a) not in self.read_blocks)):
                    days_of[fresh].add(day)
        self.read_days |= every_area
        # One statement per set of areas (a listing's areas follow from its département), of a
        # shape SQLAlchemy compiles once: an OR of one (day, areas) pair per day, a new statement
        # each time, took three times as long.
        conditions: list[ColumnElement[bool]] = [
            DedupBlock.day.in_(part) for part in chunks(sorted(every_area))
        ]
        for areas, days in days_of.items():
            fresh_days = sorted(days - every_area)
            self.read_blocks |= {(day, area) for day in fresh_days for area in areas}
            conditions += [
                and_(DedupBlock.day.in_(part), DedupBlock.area.in_(areas)) for part in chunks(fresh_days)
            ]
        for condition in conditions:
            query = (
                select(DedupBlock.day, DedupBlock.area, DedupBlock.listing_id, Listing.source_id, MAYBE_NEWS)
                .join(Listing, Listing.id == DedupBlock.listing_id)
                .where(condition)
            )
            for day, area, listing_id, source_id, maybe_news in self.session.execute(query):
                if listing_id not in self.found.get((day, area), ()):
                    self.unread[(day, area)][listing_id] = source_id
                if maybe_news:
                    self.maybe_news.add(listing_id)


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
        self.profiles = {p.id: p for p in profiles}
        self.postings = Postings(lambda listing_id: self._tokens(self.profiles[listing_id]))
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
                block = (day, profile.area)
                found |= self.postings.candidates(block, self.by_block.get(block, ()), profile.id)
        return found
