"""The agenda pages: by day and by month, filters and their counts, errors, languages, safety."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import event as sa_event

from aggregator.db import get_engine, get_sessionmaker
from tests.web.conftest import make_app
from tests.web.factories import TODAY, XSS_ATTRIBUTE, XSS_TITLE, add_event, add_source, at
from tests.web.html_checks import Page, assert_inert

DAY_HEADING = re.compile(r'<h2 id="day-[^"]+" class="day__title"><time datetime="([^"]+)">([^<]+)</time>')
CHOICE = re.compile(
    r'type="checkbox" name="(\w+)" value="([^"]*)"( checked)?> '
    r'<label [^>]+>([^<]+) <span class="count">\((\d+)\)'
)


def text_of(response):
    """A page's HTML with its no-break spaces (days and times are held together by them) as spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def choices(html):
    """The facets' checkboxes: (parameter, value) → (label, count, checked)."""
    return {(m[0], m[1]): (m[3], int(m[4]), bool(m[2])) for m in CHOICE.findall(html)}


def test_upcoming_events_by_french_day(web):
    html = text_of(web.get("/"))
    days = DAY_HEADING.findall(html)
    assert days[:3] == [
        ("2026-11-26", "jeudi 26 novembre 2026"),
        ("2026-11-27", "vendredi 27 novembre 2026"),
        ("2026-11-28", "samedi 28 novembre 2026"),
    ]
    assert ("2026-12-01", "mardi 1er décembre 2026") in days
    assert "Assemblée générale" not in html  # last week: in the feed, not on the agenda
    text = Page(html).visible_text
    assert (
        "de 14 h à 18 h" in text
        and "toute la journée" not in text
        and "jusqu'au vendredi 4 décembre 2026" in text
    )
    assert "11 événements" not in text and "10 événements" not in text and "9 événements" in text


def test_counts_per_facet_keep_other_choices_visible(web):
    html = web.get("/?region=Bretagne").get_data(as_text=True)
    found = choices(html)
    assert found[("region", "Bretagne")] == ("Bretagne", 2, True)
    assert found[("region", "Île-de-France")] == ("Île-de-France", 2, False)
    assert found[("department", "29")] == ("29 – Finistère", 1, False)
    assert found[("category", "forum")] == ("Forum", 1, False)
    assert found[("source", "adess-brest")] == ("ADESS Pays de Brest", 1, False)
    assert "Mois de l'ESS (1)" in html
    everything = web.get("/").get_data(as_text=True)
    assert (
        "En ligne (1)" in everything and "Sur place (8)" in everything and "Mois de l'ESS (3)" in everything
    )


def test_mois_de_l_ess_shortcut(web, events):
    html = web.get("/?mois_ess=1").get_data(as_text=True)
    for name in ("velo", "cancelled", "webinar"):
        assert events[name].title in html
    assert events["forum"].title not in html
    assert 'href="/?mois_ess=1"' in web.get("/").get_data(as_text=True)


def test_a_useful_empty_state(web):
    html = web.get("/?region=Corse&category=forum").get_data(as_text=True)
    assert "Aucun événement ne correspond" in html
    assert 'href="/?category=forum"' in html and 'href="/?region=Corse"' in html
    assert 'id="subscribe-webcal"' in html and "calendar.ics?region=Corse&amp;category=forum" in html


def test_subscribe_block_is_for_exactly_these_filters(web):
    page = Page(web.get("/?category=atelier&region=Bretagne&page=1").get_data(as_text=True))
    webcal = page.by_id("subscribe-webcal")["href"]
    assert webcal == "webcal://localhost/calendar.ics?region=Bretagne&category=atelier"
    assert page.by_id("feed-url")["value"] == "http://localhost/calendar.ics?region=Bretagne&category=atelier"
    google = page.by_id("subscribe-google")["href"]
    assert google == (
        "https://calendar.google.com/calendar/render?cid="
        "webcal%3A%2F%2Flocalhost%2Fcalendar.ics%3Fregion%3DBretagne%26category%3Datelier"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/?from=2026-13-45", "« 2026-13-45 » n&#39;est pas une date valide"),
        ("/?region=Bretange", "Région inconnue : « Bretange »"),
        ("/?department=20", "Département inconnu"),
        ("/?page=deux", "n&#39;est pas un numéro de page"),
        ("/?source=inconnue", "Source inconnue"),
        ("/?from=2026-12-02&to=2026-12-01", "précède"),
        ("/mois/2026-13", "n&#39;est pas un mois"),
        ("/mois/2026-11?region=Atlantide", "Région inconnue"),
        ("/events/ev00001@ess-agenda.test?online=2", "attendu 1"),
    ],
)
def test_invalid_parameters_get_a_400_page_saying_what_is_wrong(web, url, words):
    response = web.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Paramètre invalide" in html and words in html


def test_a_submitted_form_lands_on_a_short_url(web):
    response = web.get("/?q=&region=Bretagne&department=&city=&category=&source=&from=&to=&online=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?region=Bretagne"
    # A checked city and the empty field for one more.
    response = web.get("/semaine/2026-W48?city=Brest&city=&region=Bretagne&region=Normandie")
    assert response.status_code == 302
    assert response.headers["Location"] == "/semaine/2026-W48?region=Bretagne&region=Normandie&city=Brest"


def test_month_view(web, events):
    html = text_of(web.get("/mois/2026-12"))
    assert "<h1>Décembre 2026" in html
    grid, listed = html.split('<div class="month-list">')
    assert grid.count(">Festival des solidarités</a>") == 3  # 10, 11 and 12 December
    assert listed.count(">Festival des solidarités</a>") == 3  # the same days, listed for phones
    assert 'href="/mois/2026-11"' in html and 'href="/mois/2027-01"' in html
    assert 'href="/?from=2026-12-05&amp;to=2026-12-05"' in html
    november = web.get("/mois/2026-11?region=Bourgogne-Franche-Comté").get_data(as_text=True)
    assert "<strong>ANNULÉ</strong> Conférence sur les coopératives" in november
    assert events["velo"].title not in november
    assert web.get("/mois/").headers["Location"] == "/mois/2026-11"


def test_the_month_view_reads_no_description(web, seeded_app):
    """Its events are listed without excerpts: not one query per event for a description it does not
    show (nor an error when a concurrent merge deleted one of them meanwhile)."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = get_engine(seeded_app.config["DATABASE_URL"])
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        assert ">Festival des solidarités</a>" in text_of(web.get("/mois/2026-12"))
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "event.description" in s]


def test_pagination(sqlite_db):
    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "many")
        for number in range(95):
            start = at(TODAY + timedelta(days=number // 10), 9 + number % 10)
            add_event(session, f"Permanence {number:02d}", start, sources=[(source, None)])
    client = make_app(sqlite_db).test_client()
    first = client.get("/").get_data(as_text=True)
    assert first.count('class="event"') == 40 and "page 1 sur 3" in first
    assert 'rel="next" href="/?page=2"' in first or '<link rel="next" href="/?page=2">' in first
    last = client.get("/?page=3").get_data(as_text=True)
    assert last.count('class="event"') == 15 and 'href="/?page=2"' in last
    beyond = client.get("/?page=9").get_data(as_text=True)
    assert "Revenir à la première page" in beyond
    api = client.get("/api/events?per_page=40&page=3").get_json()
    assert [e["title"] for e in api["events"]] == re.findall(r'">(Permanence \d\d)</a>', last)


def test_english_from_the_browser_and_from_the_switch(web):
    english = text_of(web.get("/", headers={"Accept-Language": "en-GB,en;q=0.8,fr;q=0.5"}))
    assert '<html lang="en">' in english and "Thursday 26 November 2026" in english and "Subscribe" in english
    switched = web.get("/lang/en?next=/?region%3DBretagne")
    assert switched.status_code == 302 and switched.headers["Location"] == "/?region=Bretagne"
    assert "lang=en" in switched.headers["Set-Cookie"]
    assert "Thursday 26 November 2026" in text_of(web.get("/"))
    assert web.get("/lang/fr?next=//evil.example/").headers["Location"] == "/"
    french = web.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in french  # the cookie wins over the browser
    assert web.get("/lang/de").status_code == 404


def test_security_headers_and_local_assets_only(web):
    response = web.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = Page(response.get_data(as_text=True))
    assets = [a["href"] for a in page.all("link") if a.get("rel") in ("stylesheet", "icon")]
    assets += [a["src"] for a in page.all("script") if a.get("src")] + [a["src"] for a in page.all("img")]
    assert assets and all(asset.startswith("/static/") for asset in assets)
    for asset in assets:
        with web.get(asset) as served:
            assert served.status_code == 200


@pytest.mark.parametrize(
    "url", ["/", "/?region=Île-de-France", "/mois/2026-11", "/?q=script", "/?source=hostile"]
)
def test_hostile_text_is_shown_as_text(web, url):
    response = web.get(url)
    assert response.status_code == 200
    page = assert_inert(response.get_data(as_text=True))
    if url != "/?q=script":
        assert XSS_TITLE in page.visible_text and XSS_ATTRIBUTE in page.visible_text


def test_the_page_and_its_feed_link_each_other(web):
    page = Page(web.get("/?region=Bretagne").get_data(as_text=True))
    alternates = {a["type"]: a["href"] for a in page.all("link") if a.get("rel") == "alternate"}
    assert alternates == {
        "text/calendar": "/calendar.ics?region=Bretagne",
        "application/atom+xml": "/feed.atom?region=Bretagne",
    }


def test_behind_a_tls_proxy_the_feed_url_says_https(seeded):
    client = make_app(seeded.url, PROXIES=1).test_client()
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "agenda.example",
        "X-Forwarded-For": "192.0.2.1",
    }
    page = Page(client.get("/?region=Bretagne", headers=headers).get_data(as_text=True))
    assert page.by_id("feed-url")["value"] == "https://agenda.example/calendar.ics?region=Bretagne"
    assert page.by_id("subscribe-webcal")["href"] == "webcal://agenda.example/calendar.ics?region=Bretagne"
    ignored = Page(make_app(seeded.url).test_client().get("/", headers=headers).get_data(as_text=True))
    assert ignored.by_id("feed-url")["value"] == "http://localhost/calendar.ics"


def test_after_a_change_the_list_is_current_and_the_counts_follow(sqlite_db):
    import time

    from tests.web.factories import bump

    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "src")
        add_event(
            session, "Premier", at(TODAY + timedelta(days=1), 10), sources=[(source, None)], region="Bretagne"
        )
        bump(session)
    client = make_app(sqlite_db).test_client()
    assert choices(client.get("/").get_data(as_text=True))[("region", "Bretagne")][1] == 1
    with get_sessionmaker(sqlite_db).begin() as session:
        add_event(
            session, "Second", at(TODAY + timedelta(days=2), 10), sources=[(source, None)], region="Bretagne"
        )
        bump(session)
    html = client.get("/").get_data(as_text=True)
    assert ">Second</a>" in html  # the list is exact at once
    deadline = time.monotonic() + 10
    while choices(html)[("region", "Bretagne")][1] != 2:  # counts follow within a count
        assert time.monotonic() < deadline
        time.sleep(0.05)
        html = client.get("/").get_data(as_text=True)


def test_week_view(web, events):
    html = text_of(web.get("/semaine/2026-W48?region=Bretagne"))
    assert "Semaine du lundi 23 au dimanche 29 novembre 2026" in html
    assert events["velo"].title in html and events["reunion"].title not in html
    assert (
        'href="/semaine/2026-W47?region=Bretagne"' in html
        and 'href="/semaine/2026-W49?region=Bretagne"' in html
    )
    assert html.count('class="day__title"') == 7 and "Aucun événement ce jour-là." in html
    assert web.get("/semaine/").headers["Location"] == "/semaine/2026-W48"
    assert web.get("/semaine/2026-w48").headers["Location"] == "/semaine/2026-W48"
    wrong = web.get("/semaine/2026-W60")
    assert wrong.status_code == 400 and "2026-W48" in wrong.get_data(as_text=True)


def test_ways_in_keep_the_filters(web):
    views = dict(
        re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a></li>', text_of(web.get("/?region=Bretagne")))
    )
    by_name = {name: href for href, name in views.items()}
    assert by_name["Ce week-end"] == "/?region=Bretagne&amp;from=2026-11-28&amp;to=2026-11-29"
    assert by_name["Semaine"] == "/semaine/2026-W48?region=Bretagne"
    assert by_name["Passés"] == "/mois/2026-10?region=Bretagne"
    weekend = text_of(web.get("/?from=2026-11-28&to=2026-11-29"))
    assert '<a href="/?from=2026-11-28&amp;to=2026-11-29" aria-current="page">Ce week-end</a>' in weekend


def test_a_past_month_lists_its_events_and_the_grid_shows_neighbouring_days(web, events):
    past = text_of(web.get("/mois/2026-10"))
    assert str(escape(events["old"].title)) in past  # long gone, still shown by its month
    december = text_of(web.get("/mois/2026-12"))
    grid = december.split('<div class="month-list">')[0]
    assert events["cancelled"].title in grid  # 30 November, in the grid's first week
    assert "<strong>ANNULÉ</strong>" in grid


def test_sources_show_by_title_and_only_with_events(sqlite_db):
    with get_sessionmaker(sqlite_db).begin() as session:
        busy = add_source(session, "busy-source", "Une source active")
        add_source(session, "pes21-copie", "Jamais explorée")
        add_event(session, "Atelier", at(TODAY + timedelta(days=1), 10), sources=[(busy, None)])
    html = make_app(sqlite_db).test_client().get("/").get_data(as_text=True)
    assert choices(html)[("source", "busy-source")] == ("Une source active", 1, False)
    assert "pes21-copie" not in html and "Jamais explorée" not in html


def test_the_mois_de_l_ess_is_a_checkbox_not_a_category(web):
    html = web.get("/?category=mois-ess", follow_redirects=False).get_data(as_text=True)
    assert ("category", "mois-ess") not in choices(html)
    assert 'name="mois_ess" value="1" checked' in html
