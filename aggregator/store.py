"""Store listings: upsert by (source, key) with a content hash; mark what a complete crawl missed.

One crawl of one source goes through one ``ListingStore``. It loads the source's keys and content
hashes once, so each listing is classified (new, updated, unchanged) without a query; ``take`` hands
what was classified over as a ``Batch``, which ``write`` writes (in whichever thread owns the session):
one upsert statement for new and changed listings, one UPDATE of ``last_seen`` per chunk of unchanged
ones. Unchanged listings are never rewritten. After a complete
crawl, ``mark_unseen`` marks removed what it did not see (its ``last_seen`` older than the crawl).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aggregator.db import chunks
from aggregator.models import Listing
from aggregator.types import utcnow

if TYPE_CHECKING:
    from aggregator.normalize.listing import ListingFields

LISTING_TABLE = cast(Table, Listing.__table__)
_KEPT_ON_CONFLICT = {"source_id", "key", "first_seen"}


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class DuplicateKey(ValueError):
    """The same source key twice in one crawl."""


@dataclass(frozen=True)
class Known:
    """What the store needs to know of a stored listing."""

    id: int
    content_hash: str
    removed: bool
    linked: bool


def load_known(session: Session, source_id: int) -> dict[str, Known]:
    """Every listing of the source, by key (one query)."""
    rows = session.execute(
        select(Listing.key, Listing.id, Listing.content_hash, Listing.removed, Listing.event_id).where(
            Listing.source_id == source_id
        )
    )
    return {
        key: Known(id, digest, removed, event_id is not None) for key, id, digest, removed, event_id in rows
    }


def upsert_listings(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Insert or update one source's listings by (source_id, key); returns their (id, key) pairs.

    On conflict every column is replaced except the key and ``first_seen``. A plain executemany
    and one SELECT of the ids cost less than RETURNING through insertmanyvalues.
    """
    if not rows:
        return []
    (source_id,) = {row["source_id"] for row in rows}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LISTING_TABLE)
    changed = {name: stmt.excluded[name] for name in rows[0] if name not in _KEPT_ON_CONFLICT}
    session.execute(stmt.on_conflict_do_update(index_elements=["source_id", "key"], set_=changed), list(rows))
    keys = [row["key"] for row in rows]
    found = session.execute(
        select(Listing.id, Listing.key).where(Listing.source_id == source_id, Listing.key.in_(keys))
    )
    return [(id_, key) for id_, key in found]


@dataclass
class Batch:
    """Listings classified by ``ListingStore.add``, handed over to be written together."""

    listings: list[tuple[Outcome, ListingFields]] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # keys seen unchanged: only ``last_seen`` moves

    def __len__(self) -> int:
        return len(self.listings) + len(self.touched)


@dataclass
class ListingStore:
    """Writes one crawl's listings of one source: ``add`` classifies, ``write`` writes a ``Batch``
    taken from it, ``mark_missing`` closes."""

    session: Session
    source_id: int
    started_at: datetime = field(default_factory=utcnow)
    known: dict[str, Known] | None = None
    seen: set[str] = field(default_factory=set)
    changed_ids: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    _batch: Batch = field(default_factory=Batch)

    def __post_init__(self) -> None:
        if self.known is None:
            self.known = load_known(self.session, self.source_id)

    @property
    def _known(self) -> dict[str, Known]:
        assert self.known is not None
        return self.known

    @property
    def pending(self) -> int:
        """Listings classified but not yet handed over."""
        return len(self._batch)

    def add(self, fields: ListingFields) -> Outcome:
        """Classify one listing and queue its write; an unchanged one is only marked as seen.

        :raise DuplicateKey: when this crawl already gave the same key.
        """
        key = fields["key"]
        if key in self.seen:
            raise DuplicateKey(f"key {key!r} given twice in one crawl")
        self.seen.add(key)
        known = self._known.get(key)
        if known is None:
            outcome = Outcome.NEW
        elif known.content_hash == fields["content_hash"] and not known.removed:
            outcome = Outcome.UNCHANGED
        else:
            outcome = Outcome.UPDATED
        if outcome is Outcome.UNCHANGED:
            assert known is not None
            self._batch.touched.append(key)
            if not known.linked:  # stored by a crawl that died before deduplication
                self.changed_ids.add(known.id)
        else:
            self._batch.listings.append((outcome, fields))
        self.counts[outcome.value] += 1
        return outcome

    def keep(self, key: str) -> None:
        """Count a stored listing as seen though this crawl could not read it again (rejected)."""
        if key not in self.seen:
            self.seen.add(key)
            if key in self._known:
                self._batch.touched.append(key)

    def take(self) -> Batch:
        """Hand over what ``add`` queued since the last ``take``."""
        batch, self._batch = self._batch, Batch()
        return batch

    def write(self, batch: Batch) -> None:
        """Write a batch (the caller commits; after a rollback the same batch can be written again)."""
        now = utcnow()
        if batch.listings:
            self._write([fields for _, fields in batch.listings], now)
        for keys in chunks(batch.touched):
            self.session.execute(
                update(Listing)
                .where(Listing.source_id == self.source_id, Listing.key.in_(keys))
                .values(last_seen=now, missed_crawls=0)
            )

    def flush(self) -> None:
        """Write everything queued (the caller commits)."""
        self.write(self.take())

    def forget(self, batch: Batch, outcome: Outcome, fields: ListingFields) -> None:
        """Uncount a listing of ``batch`` that could not be written; it stays seen (its key touched
        with the batch), so it is not marked removed."""
        self.counts[outcome.value] -= 1
        if fields["key"] in self._known:
            batch.touched.append(fields["key"])

    def _write(self, batch: Sequence[ListingFields], now: datetime) -> None:
        # One statement per set of columns: an executemany needs the same keys in every row, and a
        # column a row does not give must keep its default rather than be set to NULL.
        groups: dict[frozenset[str], list[dict[str, Any]]] = {}
        for fields in batch:
            row = self._row(fields, now)
            groups.setdefault(frozenset(row), []).append(row)
        for rows in groups.values():
            hashes = {row["key"]: row["content_hash"] for row in rows}
            for id_, key in upsert_listings(self.session, rows):
                self.changed_ids.add(id_)
                self._known[key] = Known(id_, hashes[key], False, True)

    def _row(self, fields: ListingFields, now: datetime) -> dict[str, Any]:
        row: dict[str, Any] = dict(fields)
        row.update(
            source_id=self.source_id,
            first_seen=now,
            last_seen=now,
            changed_at=now,
            removed=False,
            removed_at=None,
            missed_crawls=0,
        )
        return row

    def mark_missing(self) -> int:
        """Listings this complete crawl did not see: marked removed (never deleted); returns how many
        were newly removed.

        Only call after a crawl that completed successfully and found listings.
        """
        self.flush()
        newly = mark_unseen(self.session, self.source_id, self.started_at)
        self.changed_ids.update(newly)
        return len(newly)


def mark_unseen(session: Session, source_id: int, seen_since: datetime) -> list[int]:
    """Mark removed (never deleted) the source's listings not seen since ``seen_since``, the instant
    a complete crawl's store opened; returns the ids newly removed. Every listing missed counts one
    more missed crawl."""
    now = utcnow()
    unseen = session.execute(
        select(Listing.id, Listing.removed).where(
            Listing.source_id == source_id, Listing.last_seen < seen_since
        )
    ).all()
    for chunk in chunks([id_ for id_, _ in unseen]):
        session.execute(
            update(Listing).where(Listing.id.in_(chunk)).values(missed_crawls=Listing.missed_crawls + 1)
        )
    newly = [id_ for id_, removed in unseen if not removed]
    for ids in chunks(newly):
        session.execute(
            update(Listing).where(Listing.id.in_(ids)).values(removed=True, removed_at=now, changed_at=now)
        )
    return newly
