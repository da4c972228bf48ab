"""The operators' corrections that touch some listings, as clustering constraints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aggregator.db import chunks
from aggregator.models import DedupCorrection


@dataclass
class Constraints:
    """The corrections touching some listings."""

    same: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    different: set[frozenset[int]] = field(default_factory=set)
    loaded: set[int] = field(default_factory=set)
    none_stored: bool | None = None  # known once asked: most databases hold no correction at all

    def apart(self, a: int, b: int) -> bool:
        return frozenset((a, b)) in self.different

    def partners(self, ids: Iterable[int]) -> set[int]:
        """Listings an operator declared the same event as one of ``ids``."""
        return {other for i in ids for other in self.same.get(i, ())}

    def together(self, ids: Iterable[int]) -> list[list[int]]:
        """The "same event" pairs among ``ids``, smallest id first (a stable order)."""
        wanted = set(ids)
        return sorted([a, b] for a in wanted for b in self.same.get(a, ()) if a < b and b in wanted)

    def load(self, session: Session, ids: Iterable[int]) -> None:
        """Read the corrections of listings not read yet."""
        if self.none_stored is None:
            self.none_stored = session.scalar(select(DedupCorrection.id).limit(1)) is None
        if self.none_stored:
            return
        fresh = sorted(set(ids) - self.loaded)
        self.loaded.update(fresh)
        for chunk in chunks(fresh):
            query = select(DedupCorrection).where(
                or_(DedupCorrection.listing_a_id.in_(chunk), DedupCorrection.listing_b_id.in_(chunk))
            )
            self.add(session.scalars(query))

    def load_all(self, session: Session) -> None:
        self.add(session.scalars(select(DedupCorrection)))

    def add(self, corrections: Iterable[DedupCorrection]) -> None:
        for row in corrections:
            a, b = row.listing_a_id, row.listing_b_id
            if row.same:
                self.same[a].add(b)
                self.same[b].add(a)
            else:
                self.different.add(frozenset((a, b)))
