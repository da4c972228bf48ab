"""Remembered responses: the validators and body of each URL's last 200, so that the next crawl
sends conditional requests and replays the body a 304 confirms (spiders.middlewares)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, String
from sqlalchemy.dialects import postgresql, sqlite

from aggregator.models import HttpCache

_LENGTHS = {
    column.name: column.type.length
    for column in HttpCache.__table__.c
    if isinstance(column.type, String) and column.type.length
}


def fits(row: Mapping[str, Any]) -> bool:
    """Whether the database can keep ``row``: PostgreSQL refuses a text longer than its column, and
    with it every row of the statement (a hostile server's 600-character ETag, say)."""
    return all(len(row[name] or "") <= length for name, length in _LENGTHS.items())


def upsert_http_cache(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace cache rows by URL (one statement on SQLite and PostgreSQL)."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(HttpCache)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url"], set_={name: stmt.excluded[name] for name in rows[0] if name != "url"}
    )
    connection.execute(stmt, rows)
