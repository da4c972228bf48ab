"""What SQLite and PostgreSQL say differently: full-text search and membership in a JSON list.

One small function per difference, each taking the dialect name ("sqlite" or "postgresql").
Full-text search covers title, description and place: an FTS5 table kept by triggers on SQLite
(migration 0002), a generated French tsvector column with its GIN index on PostgreSQL (0006).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    TableValuedAlias,
    cast,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from aggregator.models import Event

# PostgreSQL keeps each event's French tsvector in a generated column (migration 0006).
DOCUMENT = "event.fulltext"
_WORD = re.compile(r"\w+")
# The FTS5 table: its rowid is the event's id; its hidden column, named like it, takes MATCH.
_FTS = table("event_fts", column("rowid"), column("event_fts"))


def fts5_query(text: str) -> str | None:
    """Every word of ``text`` as a quoted prefix: no FTS5 operator can come from a visitor."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"*' for word in words) or None


def text_match(dialect: str, text: str) -> ColumnElement[bool]:
    """Events whose title, description or place match every word of ``text``."""
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'french'::regconfig"), text)
        return literal_column(DOCUMENT).bool_op("@@")(query)
    match = fts5_query(text)
    if match is None:
        return true()
    hits = select(_FTS.c.rowid).where(_FTS.c.event_fts.bool_op("MATCH")(match))
    return Event.id.in_(hits)


def has_category(dialect: str, labels: Sequence[str]) -> ColumnElement[bool]:
    """Events carrying any of ``labels`` in their categories."""
    if dialect == "postgresql":
        as_jsonb = cast(Event.categories, JSONB)
        return or_(*(as_jsonb.contains([label]) for label in labels))
    items = category_items(dialect)
    return exists(select(items.c.value).where(items.c.value.in_(labels)))


def category_items(dialect: str) -> TableValuedAlias:
    """One row per category of the event in the enclosing query (column ``value``)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(Event.categories).table_valued("value")
    return func.json_each(Event.categories).table_valued("value")
