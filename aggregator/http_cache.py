"""Remembered responses: the validators and body of each URL's last 200, so that the next crawl
sends conditional requests and replays the body a 304 confirms (spiders.middlewares)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from aggregator.models import HttpCache


def upsert_http_cache(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace cache rows by URL (one statement on SQLite and PostgreSQL)."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(HttpCache)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url"], set_={name: stmt.excluded[name] for name in rows[0] if name != "url"}
    )
    connection.execute(stmt, rows)
