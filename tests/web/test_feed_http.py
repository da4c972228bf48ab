"""Feeds over HTTP: validators, 304s, gzip, and almost no work while the data stays the same."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select
from werkzeug.http import http_date, parse_date

from aggregator.clock import NOW_ENV
from aggregator.db import get_engine, get_sessionmaker
from aggregator.dedup import deduplicate
from aggregator.fragments import render_missing
from aggregator.models import Event
from aggregator.source_admin import SourceChanges, get_source, update_source
from aggregator.store import ListingStore
from tests.web.conftest import make_app
from tests.web.factories import add_event, add_source, at, bump, seed
from tests.web.ical_checks import parse_three_ways, vevent


def seeded_app(url, **config):
    with get_sessionmaker(url).begin() as session:
        seed(session)
    return make_app(url, **config)


def test_validators_and_conditional_requests(sqlite_db):
    client = seeded_app(sqlite_db).test_client()
    first = client.get("/calendar.ics?region=Bretagne")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and first.headers["Cache-Control"].startswith("public")
    assert client.get("/calendar.ics?region=Bretagne", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/calendar.ics?region=Bretagne", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    older = http_date(parse_date(modified) - timedelta(seconds=1))
    assert (
        client.get("/calendar.ics?region=Bretagne", headers={"If-Modified-Since": older}).status_code == 200
    )
    assert (
        client.get("/calendar.ics?region=Bretagne", headers={"If-None-Match": '"other"'}).status_code == 200
    )
    assert client.get("/calendar.ics?region=Bretagne").headers["ETag"] == etag
    assert client.get("/calendar.ics?region=Bretagne&category=atelier").headers["ETag"] != etag


def test_parameter_order_does_not_matter(sqlite_db):
    client = seeded_app(sqlite_db).test_client()
    one = client.get("/calendar.ics?region=Bretagne&category=forum")
    other = client.get("/calendar.ics?category=forum&region=bretagne")
    assert one.headers["ETag"] == other.headers["ETag"] and one.data == other.data


def test_gzip_when_asked(sqlite_db):
    client = seeded_app(sqlite_db).test_client()
    plain = client.get("/calendar.ics")
    packed = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/calendar.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


def test_changed_data_changes_the_feed_and_its_validators_move_forward(db_url):
    client = seeded_app(db_url).test_client()
    before = client.get("/calendar.ics")
    with get_sessionmaker(db_url).begin() as session:
        velo = session.scalars(select(Event).where(Event.title == "Atelier réparation vélo")).one()
        velo.title = "Atelier vélo et trottinettes"
        velo.vevent = None
        velo.updated_at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        bump(session, datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC))
    after = client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parse_date(after.headers["Last-Modified"]) > parse_date(before.headers["Last-Modified"])
    assert b"SUMMARY:Atelier v\xc3\xa9lo et trottinettes\r\n" in after.data
    parse_three_ways(after.data)


def test_last_modified_never_moves_backwards(sqlite_db):
    app = seeded_app(sqlite_db)
    client = app.test_client()
    with get_sessionmaker(sqlite_db).begin() as session:
        bump(session, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    later = parse_date(client.get("/calendar.ics").headers["Last-Modified"])
    with get_sessionmaker(sqlite_db).begin() as session:
        bump(session, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # an aggregator whose clock lags
    response = client.get("/calendar.ics")
    assert parse_date(response.headers["Last-Modified"]) >= later


def test_last_modified_moves_when_the_window_slides(sqlite_db, monkeypatch):
    url = sqlite_db
    with get_sessionmaker(url).begin() as session:
        seed(session)
    monday = make_app(url).test_client().get("/calendar.ics")
    monkeypatch.setenv(NOW_ENV, "2026-11-24")
    tuesday = (
        make_app(url)
        .test_client()
        .get("/calendar.ics", headers={"If-Modified-Since": monday.headers["Last-Modified"]})
    )
    assert tuesday.status_code == 200
    assert parse_date(tuesday.headers["Last-Modified"]) > parse_date(monday.headers["Last-Modified"])


def test_a_cached_feed_costs_one_query(sqlite_db):
    app = seeded_app(sqlite_db)
    client = app.test_client()
    client.get("/calendar.ics?region=Bretagne")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = get_engine(sqlite_db)
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/calendar.ics?region=Bretagne").status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1 and "data_version" in statements[0]


def test_feeds_serve_the_vevents_the_aggregator_rendered(db_url):
    app = seeded_app(db_url)
    sessions = get_sessionmaker(db_url)
    before = app.test_client().get("/calendar.ics").data  # nothing rendered yet: rendered, not stored
    with sessions() as session:
        assert session.scalars(select(Event.vevent).where(Event.vevent.is_not(None))).all() == []
    with sessions.begin() as session:
        assert render_missing(session) == 11
    with sessions() as session:
        kept = [text for text in session.scalars(select(Event.vevent)) if text is not None]
    assert len(kept) == 11 and all(text.encode() in before for text in kept)  # the window keeps a year
    # Served from the stored text: a marker written there shows up in a new process's feed.
    with sessions.begin() as session:
        velo = session.scalars(select(Event).where(Event.title == "Atelier réparation vélo")).one()
        velo.vevent = velo.vevent.replace("SUMMARY:", "SUMMARY:(stored) ")
    fresh = make_app(db_url).test_client().get("/calendar.ics").data
    assert b"SUMMARY:(stored) Atelier" in fresh


def test_the_feed_follows_what_each_source_shows_of_an_event(db_url):
    sessions = get_sessionmaker(db_url)
    page = "https://asso.example/forum"
    with sessions.begin() as session:
        asso, network = add_source(session, "asso", "Asso Brest"), add_source(session, "reseau", "Réseau ESS")
        start = at(date(2026, 11, 30), 10)
        uid = add_event(session, "Forum", start, sources=[(asso, page), (network, None)]).uid
        (listing,) = asso.listings
        again = {"key": listing.key, "title": "Forum", "start": start, "url": page}
        again["content_hash"] = listing.content_hash  # unchanged: only its removal is undone
        render_missing(session)  # as the aggregator does after each dedup
    client = make_app(db_url).test_client()

    def announced() -> str:
        return str(vevent(parse_three_ways(client.get("/calendar.ics").data), uid)["DESCRIPTION"])

    assert f"- Asso Brest : {page}" in announced()
    with sessions.begin() as session:  # what a complete crawl missed, then its dedup
        store = ListingStore(session, asso.id)
        assert store.mark_missing() == 1
        deduplicate(session, store.changed_ids)
        render_missing(session)
    assert "Asso Brest" not in announced() and "Réseau ESS" in announced()
    with sessions.begin() as session:
        store = ListingStore(session, asso.id)
        store.add(again)
        store.flush()
        deduplicate(session, store.changed_ids)
        render_missing(session)
    assert f"- Asso Brest : {page}" in announced()
    moved = "https://asso.example/agenda/forum"
    with sessions.begin() as session:  # the event's fields stay, its link on the source changes
        store = ListingStore(session, asso.id)
        store.add(again | {"url": moved, "content_hash": "moved"})
        store.flush()
        deduplicate(session, store.changed_ids)
    assert f"- Asso Brest : {moved}" in announced()


def test_a_renamed_source_is_named_anew_in_the_feed(db_url):
    sessions = get_sessionmaker(db_url)
    with sessions.begin() as session:
        asso = add_source(session, "asso", "Asso Brest")
        uid = add_event(session, "Forum", at(date(2026, 11, 30), 10), sources=[(asso, None)]).uid
    client = make_app(db_url).test_client()

    def announced() -> str:
        return str(vevent(parse_three_ways(client.get("/calendar.ics").data), uid)["DESCRIPTION"])

    assert "Asso Brest" in announced()
    with sessions.begin() as session:
        update_source(get_source(session, "asso"), SourceChanges(title="Maison de l'ESS de Brest"))
    assert "Maison de l'ESS de Brest" in announced() and "Asso Brest" not in announced()


def test_an_empty_database_still_has_a_valid_feed(sqlite_db):
    client = make_app(sqlite_db).test_client()
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    calendar = parse_three_ways(response.data)
    assert calendar.walk("VEVENT") == []
    assert response.headers["Last-Modified"]
    assert client.get("/calendar.ics", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_one_event_ics_follows_its_event(db_url):
    app = seeded_app(db_url)
    with get_sessionmaker(db_url)() as session:
        uid = session.scalars(select(Event.uid).where(Event.title == "Forum de l'emploi solidaire")).one()
    client = app.test_client()
    first = client.get(f"/events/{uid}.ics")
    assert (
        client.get(f"/events/{uid}.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    )
    assert str(vevent(parse_three_ways(first.data), uid)["SUMMARY"]) == "Forum de l'emploi solidaire"


def test_feeds_render_renders_every_fragment_again(db_url):
    from tests.helpers import cli

    with get_sessionmaker(db_url).begin() as session:
        seed(session)
    result = cli("feeds", "render")
    assert result.exit_code == 0 and result.output == "11 events rendered\n"
    with get_sessionmaker(db_url)() as session:
        assert session.scalars(select(Event).where(Event.vevent.is_(None))).all() == []
    assert cli("feeds", "render").output == "11 events rendered\n"  # a full rebuild
