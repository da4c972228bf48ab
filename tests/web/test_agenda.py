"""The agenda pages: by day and by month, filters and their counts, errors, languages, safety."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from aggregator.db import get_sessionmaker
from tests.web.conftest import make_app
from tests.web.factories import TODAY, XSS_ATTRIBUTE, XSS_TITLE, add_event, add_source, at
from tests.web.html_checks import Page, assert_inert

DAY_HEADING = re.compile(r'<h2 id="day-[^"]+" class="day__title"><time datetime="([^"]+)">([^<]+)</time>')


def test_upcoming_events_by_french_day(web):
    html = web.get("/").get_data(as_text=True)
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
    page = Page(web.get("/?region=Bretagne").get_data(as_text=True))
    options = {attrs.get("value") for attrs in page.all("option")}
    assert {"Bretagne", "Île-de-France", "29", "35", "adess-brest", "forum", "atelier"} <= options
    html = web.get("/?region=Bretagne").get_data(as_text=True)
    assert '<option value="Bretagne" selected>Bretagne (2)</option>' in html
    assert '<option value="Île-de-France">Île-de-France (2)</option>' in html
    assert '<option value="29">29 – Finistère (1)</option>' in html
    assert '<option value="forum">Forum (1)</option>' in html
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


def test_month_view(web, events):
    html = web.get("/mois/2026-12").get_data(as_text=True)
    assert "<h1>Décembre 2026" in html
    assert html.count(">Festival des solidarités</a>") == 3  # 10, 11 and 12 December
    assert 'href="/mois/2026-11"' in html and 'href="/mois/2027-01"' in html
    assert 'href="/?from=2026-12-05&amp;to=2026-12-05"' in html
    november = web.get("/mois/2026-11?region=Bourgogne-Franche-Comté").get_data(as_text=True)
    assert "<strong>ANNULÉ</strong> Conférence sur les coopératives" in november
    assert events["velo"].title not in november
    assert web.get("/mois/").headers["Location"] == "/mois/2026-11"


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
    english = web.get("/", headers={"Accept-Language": "en-GB,en;q=0.8,fr;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Thursday 26 November 2026" in english and "Subscribe" in english
    switched = web.get("/lang/en?next=/?region%3DBretagne")
    assert switched.status_code == 302 and switched.headers["Location"] == "/?region=Bretagne"
    assert "lang=en" in switched.headers["Set-Cookie"]
    assert "Thursday 26 November 2026" in web.get("/").get_data(as_text=True)
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
    assert '<option value="Bretagne">Bretagne (1)</option>' in client.get("/").get_data(as_text=True)
    with get_sessionmaker(sqlite_db).begin() as session:
        add_event(
            session, "Second", at(TODAY + timedelta(days=2), 10), sources=[(source, None)], region="Bretagne"
        )
        bump(session)
    html = client.get("/").get_data(as_text=True)
    assert ">Second</a>" in html  # the list is exact at once
    deadline = time.monotonic() + 10
    while '<option value="Bretagne">Bretagne (2)</option>' not in html:  # counts follow within a count
        assert time.monotonic() < deadline
        time.sleep(0.05)
        html = client.get("/").get_data(as_text=True)
