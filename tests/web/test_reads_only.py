"""The public web reads: a session of agenda pages, feeds and API calls changes no row, not even the
stored VEVENTs (the aggregator renders them; the web only assembles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, inspect, select, update
from sqlalchemy import event as sa_event

from aggregator.db import get_engine, get_sessionmaker
from aggregator.fragments import render_missing
from aggregator.models import Event
from tests.web.conftest import make_app
from tests.web.factories import TODAY, seed

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "REPLACE")


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = get_engine(url)
    metadata = MetaData()
    tables = [Table(name, metadata, autoload_with=engine) for name in inspect(engine).get_table_names()]
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr) for table in tables
        }


def test_a_session_of_pages_feeds_and_api_calls_writes_nothing(db_url):
    sessions = get_sessionmaker(db_url)
    with sessions.begin() as session:
        seed(session)
        render_missing(session)
        # One event the aggregator has not rendered yet: the feeds render it, and store nothing.
        session.execute(update(Event).where(Event.title == "Atelier réparation vélo").values(vevent=None))
    with sessions() as session:
        uids = list(session.scalars(select(Event.uid)))
    before = snapshot(db_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            statements.append(statement)

    client = make_app(db_url).test_client()
    engine = get_engine(db_url)
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        paths = [
            "/",
            "/?region=Bretagne&category=atelier",
            "/?q=recyclerie",
            f"/mois/{TODAY:%Y-%m}",
            "/calendar.ics",
            "/calendar.ics?region=Bretagne",
            "/feed.atom",
            "/api/events",
            "/api/events?online=1",
            "/api/openapi.json",
        ]
        for uid in uids:
            paths += [f"/events/{uid}", f"/events/{uid}.ics", f"/api/events/{uid}"]
        for path in paths:
            assert client.get(path).status_code == 200, path
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    assert snapshot(db_url) == before
