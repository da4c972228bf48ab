"""The admin: signed-in operators only, a CSRF token on every change, and what operators see and do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select

from aggregator.cli import web_app
from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, DedupCorrection, Event, Listing, Source, User
from aggregator.types import utcnow
from aggregator.users import add_user
from tests.web.factories import add_event, at
from tests.web.factories import add_source as add_source_row
from tests.web.ical_checks import parse_three_ways, vevent
from web import create_app

PASSWORD = "correct horse battery"
URL_ARGS = {"name": "watched", "run_id": 1, "listing_id": 1, "uid": "unknown"}


def make_admin_app(url: str, **config: Any) -> Flask:
    return web_app({"TESTING": True, "DATABASE_URL": url, "SECURE_COOKIES": False, **config})


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, name: str = "alice", password: str = PASSWORD) -> Any:
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"csrf_token": token, "name": name, "password": password})


def post_form(client: FlaskClient, path: str, data: dict[str, str], page: str | None = None) -> Any:
    """Submit a form the way a browser does: with the token of the page it was on."""
    token = csrf_token(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def admin_db(sqlite_db: str) -> str:
    """One operator, one source with a running crawl, one event two sources announce: what an
    unguarded route could change."""
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
        source = add_source_row(session, "watched")
        session.add(CrawlRun(source=source, trigger="schedule", status="running", started_at=utcnow()))
        other = add_source_row(session, "other")
        add_event(session, "Forum ESS", at(utcnow().date(), 14), sources=[(source, None), (other, None)])
    return sqlite_db


@pytest.fixture
def admin(admin_db: str) -> Iterator[FlaskClient]:
    client = make_admin_app(admin_db).test_client()
    assert login(client).status_code == 302
    yield client


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, URL) of the admin, arguments filled in."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            url = rule.build({arg: URL_ARGS[arg] for arg in rule.arguments})[1]
            routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def state(url: str) -> tuple[Any, ...]:
    """Everything an admin action could change."""
    with get_sessionmaker(url)() as session:
        sources = session.execute(
            select(Source.name, Source.enabled, Source.run_requested_at, Source.schedule, Source.title)
        ).all()
        runs = session.execute(select(CrawlRun.id, CrawlRun.status, CrawlRun.cancel_requested)).all()
        users = session.scalar(select(func.count(User.id)))
        listings = session.execute(select(Listing.id, Listing.event_id).order_by(Listing.id)).all()
        corrections = session.scalar(select(func.count(DedupCorrection.id)))
    return tuple(sources), tuple(runs), users, tuple(listings), corrections


def test_every_admin_route_refuses_anonymous_requests(admin_db):
    app = make_admin_app(admin_db)
    client = app.test_client()
    routes = admin_routes(app)
    assert len(routes) >= 15
    before = state(admin_db)
    for method, url in routes:
        if url == "/admin/login":
            continue
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, url
            assert response.location.startswith("/admin/login?next="), url
        else:
            assert response.status_code == 401, (method, url)
    assert state(admin_db) == before


def test_every_change_without_a_csrf_token_is_refused(admin, admin_db):
    app = admin.application
    posts = [url for method, url in admin_routes(app) if method == "POST"]
    assert {"/admin/sources/watched/run", "/admin/runs/1/cancel", "/admin/logout"} <= set(posts)
    before = state(admin_db)
    form = {"name": "x", "url": "https://x.example/", "kind": "ical", "save": "1", "uid_a": "a", "uid_b": "b"}
    for url in posts:
        response = admin.post(url, data=form)
        assert response.status_code == 400, url
        assert "CSRF" in response.get_data(as_text=True), url
    assert state(admin_db) == before
    assert admin.get("/admin/").status_code == 200  # the forged logout did not sign out


def test_login_sets_a_hardened_session_and_hashes_passwords(admin_db):
    client = create_app({"TESTING": True, "DATABASE_URL": admin_db}).test_client()
    response = login(client)
    assert response.status_code == 302 and response.location == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))
    with get_sessionmaker(admin_db)() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_wrong_password_and_foreign_next_page(admin_db):
    client = make_admin_app(admin_db).test_client()
    refused = login(client, password="not the password")
    assert refused.status_code == 401
    assert "Nom ou mot de passe incorrect" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "name": "alice", "password": PASSWORD}
    response = client.post("/admin/login?next=https://evil.example/admin/", data=data)
    assert response.location == "/admin/"


def test_login_attempts_are_rate_limited(admin_db):
    client = make_admin_app(admin_db, LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert login(client, password="guess").status_code == 401
    assert login(client).status_code == 429  # even the right password waits now
    client.set_cookie("lang", "en")
    waiting = login(client)
    assert waiting.status_code == 429
    assert "Too many attempts" in waiting.get_data(as_text=True) and "wait a minute" in waiting.get_data(
        as_text=True
    )


def test_only_sign_in_attempts_are_rate_limited(admin_db):
    limits = {"RATELIMIT_DEFAULT": "20 per minute", "RATELIMIT_APPLICATION": "20 per minute"}
    client = make_admin_app(admin_db, LOGIN_RATE_LIMIT="3 per minute", **limits).test_client()
    with get_sessionmaker(admin_db)() as session:
        uid = session.scalars(select(Event.uid)).one()
    public = ["/", "/calendar.ics", "/calendar.ics?source=watched", "/feed.atom", "/api/events"]
    public += [f"/events/{uid}", f"/events/{uid}.ics"]
    for path in public:
        assert {client.get(path).status_code for _ in range(30)} == {200}, path
    for _ in range(3):
        assert login(client, password="guess").status_code == 401
    assert login(client, password="guess").status_code == 429


def test_changing_a_password_signs_old_sessions_out(admin, admin_db):
    from aggregator.users import set_password

    with get_sessionmaker(admin_db).begin() as session:
        set_password(session, "alice", "another long password")
    assert admin.get("/admin/").status_code == 302


def test_dashboard_lists_failing_then_suspect_sources_first(db_url):
    now = utcnow()
    with get_sessionmaker(db_url).begin() as session:
        add_user(session, "alice", PASSWORD)
        sources = {name: add_source_row(session, name) for name in ("calm", "broken", "odd", "new")}
        outcomes = {
            "calm": ["succeeded"],
            "broken": ["succeeded", "failed", "timed_out"],
            "odd": ["succeeded"],
        }
        for name, statuses in outcomes.items():
            for index, status in enumerate(statuses):
                started = now - timedelta(hours=len(statuses) - index)
                session.add(
                    CrawlRun(
                        source=sources[name],
                        status=status,
                        trigger="schedule",
                        started_at=started,
                        finished_at=started + timedelta(minutes=1),
                        suspect=name == "odd",
                    )
                )
        add_event(session, "Forum", at(now.date(), 10), sources=[(sources["calm"], None)])
    client = make_admin_app(db_url).test_client()
    login(client)
    page = client.get("/admin/").get_data(as_text=True)
    order = re.findall(r'data-source="([^"]+)"', page)
    assert order[:2] == ["broken", "odd"]
    assert set(order) == {"calm", "broken", "odd", "new"}
    broken_row = page[page.index('data-source="broken"') :].split("</tr>")[0]
    assert "en échec" in broken_row and "<td>2</td>" in broken_row
    calm_row = page[page.index('data-source="calm"') :].split("</tr>")[0]
    assert "<td>1</td>" in calm_row  # one listing


def test_add_a_source_by_url_after_seeing_what_discovery_found(admin, admin_db, samples_base):
    homepage = f"{samples_base}/adess-brest/"
    form = {"url": homepage, "name": "adess", "kind": "auto", "title": "ADESS", "region": "Bretagne"}
    found = post_form(admin, "/admin/sources/new", {**form, "name": "", "discover": "1"}).get_data(
        as_text=True
    )
    assert "Ce que la découverte a trouvé" in found
    assert 'value="127-0-0-1"' in found  # a name suggested from the address
    assert "tribe" in found and "/wp-json/tribe/events/v1/events" in found
    with get_sessionmaker(admin_db)() as session:
        assert session.scalars(select(Source).where(Source.name == "adess")).first() is None
    saved = post_form(admin, "/admin/sources/new", {**form, "save": "1"})
    assert saved.status_code == 302 and saved.location == "/admin/sources/adess"
    with get_sessionmaker(admin_db)() as session:
        source = session.scalars(select(Source).where(Source.name == "adess")).one()
        assert (source.kind, source.url, source.region, source.enabled) == (
            "auto",
            homepage,
            "Bretagne",
            True,
        )
    taken = post_form(admin, "/admin/sources/new", {**form, "save": "1"}).get_data(as_text=True)
    assert "already exists" in taken


def test_an_app_built_without_discovery_says_so_rather_than_discovering(admin_db, samples_base):
    client = create_app({"TESTING": True, "DATABASE_URL": admin_db, "SECURE_COOKIES": False}).test_client()
    assert login(client).status_code == 302
    form = {"url": f"{samples_base}/adess-brest/", "name": "", "kind": "auto", "discover": "1"}
    page = post_form(client, "/admin/sources/new", form).get_data(as_text=True)
    assert "started without discovery" in page and "Ce que la découverte a trouvé" not in page


def test_the_best_lead_is_what_yields_events_not_an_endpoint_answering_404(admin, samples_base):
    form = {"url": f"{samples_base}/pes21/agenda/", "name": "", "kind": "auto", "discover": "1"}
    page = post_form(admin, "/admin/sources/new", form).get_data(as_text=True)
    best = page[page.index('class="admin-row--best"') :].split("</tr>")[0]
    assert "jsonld" in best and "meilleure piste" in best and "events on 3 of the pages it links to" in best
    assert page.count("meilleure piste") == 2  # the explanation above the table, and the best row
    tribe = page[page.index("/pes21/wp-json/tribe/events/v1/events") :].split("</tr>")[0]
    assert "HTTP 404" in tribe


def test_edit_checks_the_cron_and_shows_the_next_five_runs(admin, admin_db):
    page = "/admin/sources/watched/edit"
    base = {"title": "Watched", "url": "https://watched.example/agenda.ics", "kind": "ical", "region": ""}
    bad = post_form(admin, page, {**base, "schedule": "61 * * * *", "save": "1"})
    assert bad.status_code == 200 and "maximum value (59)" in bad.get_data(as_text=True)
    checked = post_form(admin, page, {**base, "schedule": "30 9 * * 0", "preview": "1"}).get_data(
        as_text=True
    )
    upcoming = re.findall(r"<li>(\d\d/\d\d/\d{4} 09:30)</li>", checked)
    assert len(upcoming) == 5
    assert all(row[3] is None for row in state(admin_db)[0])  # checking saves nothing
    options = "settings:\n  CLOSESPIDER_TIMEOUT: 300\n"
    saved = post_form(admin, page, {**base, "schedule": "30 9 * * 0", "options": options, "save": "1"})
    assert saved.status_code == 302
    with get_sessionmaker(admin_db)() as session:
        source = session.scalars(select(Source).where(Source.name == "watched")).one()
        assert (source.schedule, source.title) == ("30 9 * * 0", "Watched")
        assert source.options == {"settings": {"CLOSESPIDER_TIMEOUT": 300}}
    broken = post_form(admin, page, {**base, "options": "[1, 2", "save": "1"}).get_data(as_text=True)
    assert "not valid YAML or JSON" in broken


def test_enable_disable_run_now_and_cancel(admin, admin_db):
    source_page = "/admin/sources/watched"
    assert post_form(admin, f"{source_page}/disable", {}, page=source_page).status_code == 302
    assert post_form(admin, f"{source_page}/enable", {}, page=source_page).status_code == 302
    assert post_form(admin, f"{source_page}/run", {}, page=source_page).status_code == 302
    assert "en attente du planificateur" in admin.get(source_page).get_data(as_text=True)
    assert post_form(admin, "/admin/runs/1/cancel", {}, page="/admin/runs/1").status_code == 302
    sources, ((_id, status, cancel),), *_ = state(admin_db)
    (_name, enabled, requested, *_) = next(row for row in sources if row[0] == "watched")
    assert enabled and requested is not None
    assert (status, cancel) == ("running", True)
    assert "Arrêt demandé" in admin.get("/admin/runs/1").get_data(as_text=True)


def test_run_history_shows_counters_errors_and_log_tail(admin, admin_db):
    with get_sessionmaker(admin_db).begin() as session:
        source = session.scalars(select(Source).where(Source.name == "watched")).one()
        run = CrawlRun(
            source=source, trigger="manual", status="partial", started_at=utcnow(), finished_at=utcnow(),
            pages=12, not_modified=3, listings_found=9, listings_new=4, listings_updated=2,
            listings_unchanged=3, listings_removed=1, events_created=4, events_merged=1, error_count=2,
            errors=["https://watched.example/p2: 500 <Internal>", "rejected: no start"],
            log_tail="INFO: Spider closed (finished) <done>",
        )  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    history = admin.get("/admin/runs?source=watched").get_data(as_text=True)
    assert f'data-run="{run_id}"' in history and "9 (4 / 2 / 3 / 1)" in history
    detail = admin.get(f"/admin/runs/{run_id}").get_data(as_text=True)
    assert "12 pages (3 304)" in detail and "4 créés, 1 fusionnés" in detail
    assert "500 &lt;Internal&gt;" in detail and "Spider closed (finished) &lt;done&gt;" in detail
    assert "à la demande" in detail
    assert admin.get("/admin/runs/999").status_code == 404


def test_the_events_of_a_source(admin, admin_db):
    with get_sessionmaker(admin_db).begin() as session:
        source = session.scalars(select(Source).where(Source.name == "watched")).one()
        event = add_event(session, "Café <coopération>", at(utcnow().date(), 18), sources=[(source, None)])
        uid = event.uid
    page = admin.get("/admin/sources/watched/events").get_data(as_text=True)
    assert "Café &lt;coopération&gt;" in page and "Forum ESS" in page
    with admin.application.test_request_context():
        assert uid in page and url_for("admin.corrections", uid_a=uid) in page
    assert page.count("Séparer de cet événement") == 1  # only the event two sources announce
    assert admin.get("/admin/sources/nowhere/events").status_code == 404


def event_of(url: str, listing_id: int) -> int | None:
    with get_sessionmaker(url)() as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        return listing.event_id


def test_corrections_same_different_and_separate(admin, admin_db):
    with get_sessionmaker(admin_db).begin() as session:
        watched, other = (
            session.scalars(select(Source).where(Source.name == n)).one() for n in ("watched", "other")
        )
        day = utcnow().date() + timedelta(days=3)
        first = add_event(session, "Atelier compta", at(day, 9), sources=[(watched, None)])
        second = add_event(session, "Conférence climat", at(day, 20), sources=[(other, None)])
        uids, listing_ids = (first.uid, second.uid), (first.listings[0].id, second.listings[0].id)
    different = {"uid_a": uids[0], "uid_b": uids[1], "verdict": "different"}
    assert post_form(admin, "/admin/corrections", different).status_code == 302
    assert event_of(admin_db, listing_ids[0]) != event_of(admin_db, listing_ids[1])
    same = {**different, "verdict": "same"}
    assert post_form(admin, "/admin/corrections", same).status_code == 302
    assert event_of(admin_db, listing_ids[0]) == event_of(admin_db, listing_ids[1])
    page = admin.get("/admin/corrections").get_data(as_text=True)
    assert "Atelier compta" in page and "le même" in page and "alice" in page
    again = post_form(admin, "/admin/corrections", different).get_data(as_text=True)
    assert "both UIDs name one event" in again  # now one event: a listing is separated instead
    unknown = post_form(admin, "/admin/corrections", {**same, "uid_b": "nobody@nowhere"})
    assert unknown.status_code == 200 and "no event with UID" in unknown.get_data(as_text=True)

    with get_sessionmaker(admin_db)() as session:
        forum = session.scalars(select(Event).where(Event.title == "Forum ESS")).one()
        together = sorted(listing.id for listing in forum.listings)
    assert post_form(
        admin, f"/admin/listings/{together[1]}/separate", {}, page="/admin/sources/watched/events"
    )
    assert event_of(admin_db, together[0]) != event_of(admin_db, together[1])


@pytest.fixture
def deletable(db_url: str) -> dict[str, str]:
    """One operator and a source to delete: a coming event only it announces, one another source
    announces too, a past one only it announced; returns their UIDs by title."""
    coming, past = utcnow().date() + timedelta(days=5), utcnow().date() - timedelta(days=5)
    with get_sessionmaker(db_url).begin() as session:
        add_user(session, "alice", PASSWORD)
        gone, kept = add_source_row(session, "gone"), add_source_row(session, "kept")
        events = [
            add_event(session, "Atelier compta", at(coming, 9), sources=[(gone, None)]),
            add_event(session, "Forum ESS", at(coming, 14), sources=[(gone, None), (kept, None)]),
            add_event(session, "Petit-déjeuner", at(past, 8), sources=[(gone, None)]),
        ]
        session.add(CrawlRun(source=gone, trigger="schedule", status="succeeded", started_at=utcnow()))
        return {event.title: event.uid for event in events}


def signed_in(url: str) -> FlaskClient:
    client = make_admin_app(url).test_client()
    assert login(client).status_code == 302
    return client


def source_names(url: str) -> list[str]:
    with get_sessionmaker(url)() as session:
        return sorted(session.scalars(select(Source.name)))


def test_deleting_a_source_cancels_the_coming_events_it_alone_announced(db_url, deletable):
    admin = signed_in(db_url)
    page = admin.get("/admin/sources/gone").get_data(as_text=True)
    assert "ses 3 annonces" in page
    assert "1 événement à venir qu'elle seule annonce sera annulé" in page
    assert 'action="/admin/sources/gone/delete"' in page and "Supprimer la source" in page
    before = parse_three_ways(admin.get("/calendar.ics").data)  # cached, fragments stored
    assert {str(vevent(before, uid).get("STATUS")) for uid in deletable.values()} == {"CONFIRMED"}

    response = post_form(
        admin, "/admin/sources/gone/delete", {"confirm_name": "gone"}, page="/admin/sources/gone"
    )
    assert response.status_code == 302 and response.location == "/admin/"
    flashed = admin.get("/admin/").get_data(as_text=True)
    assert "Source gone supprimée avec 3 annonces ; 1 événement recalculé" in flashed
    assert "1 événement à venir annulé pour les abonnés" in flashed
    assert source_names(db_url) == ["kept"]
    with get_sessionmaker(db_url)() as session:
        assert session.scalar(select(func.count(CrawlRun.id))) == 0
        (left,) = session.scalars(select(Listing)).all()
        assert (left.source.name, left.event and left.event.uid) == ("kept", deletable["Forum ESS"])
    after = parse_three_ways(admin.get("/calendar.ics").data)
    assert vevent(after, deletable["Atelier compta"])["STATUS"] == "CANCELLED"
    forum = vevent(after, deletable["Forum ESS"])
    assert forum["STATUS"] == "CONFIRMED" and "gone" not in forum.to_ical().decode()
    assert admin.get("/admin/sources/gone").status_code == 404


def test_a_source_is_not_deleted_without_its_name_typed_again_or_by_a_get(db_url, deletable):
    admin = signed_in(db_url)
    source_page = "/admin/sources/gone"
    refusals = {
        "": "Tapez le nom de la source pour confirmer.",
        "kept": "Ce n&#39;est pas le nom de la source (gone)",
        "gon": "Ce n&#39;est pas le nom de la source (gone)",
    }
    for typed, refusal in refusals.items():
        response = post_form(admin, f"{source_page}/delete", {"confirm_name": typed}, page=source_page)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and refusal in page
        assert '<details class="admin-delete" open>' in page
    assert admin.get(f"{source_page}/delete").status_code == 405
    assert admin.get(f"{source_page}/delete?confirm_name=gone").status_code == 405
    assert source_names(db_url) == ["gone", "kept"]


def test_a_source_is_not_deleted_without_a_csrf_token_or_signed_out(db_url, deletable):
    admin = signed_in(db_url)
    forged = admin.post("/admin/sources/gone/delete", data={"confirm_name": "gone"})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
    token = csrf_token(admin.get("/admin/sources/gone").get_data(as_text=True))
    assert post_form(admin, "/admin/logout", {}, page="/admin/").status_code == 302
    signed_out = admin.post("/admin/sources/gone/delete", data={"csrf_token": token, "confirm_name": "gone"})
    assert signed_out.status_code == 401
    assert source_names(db_url) == ["gone", "kept"]


def test_a_source_being_crawled_is_not_deleted(db_url, deletable):
    with get_sessionmaker(db_url).begin() as session:
        gone = session.scalars(select(Source).where(Source.name == "gone")).one()
        session.add(CrawlRun(source=gone, trigger="manual", status="running", started_at=utcnow()))
    admin = signed_in(db_url)
    source_page = "/admin/sources/gone"
    assert "Une exploration de cette source est en cours" in admin.get(source_page).get_data(as_text=True)
    response = post_form(admin, f"{source_page}/delete", {"confirm_name": "gone"}, page=source_page)
    assert response.status_code == 302 and response.location == source_page
    page = admin.get(source_page).get_data(as_text=True)
    assert "Une exploration de gone est en cours : arrêtez-la" in page and "Rien n&#39;a été supprimé" in page
    assert source_names(db_url) == ["gone", "kept"]
    with get_sessionmaker(db_url)() as session:
        assert session.scalar(select(func.count(Listing.id))) == 4
        assert {e.status for e in session.scalars(select(Event))} == {"confirmed"}
