"""Event pages: French phrasing, place, sources, calendar links, structured data, redirects."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.factories import XSS_ATTRIBUTE, XSS_TITLE
from tests.web.html_checks import Page, assert_inert


def page(web, uid, query=""):
    response = web.get(f"/events/{uid}{query}")
    assert response.status_code == 200, response.status_code
    return Page(response.get_data(as_text=True))


def jsonld(parsed):
    (text,) = [text for attrs, text in parsed.scripts if attrs.get("type") == "application/ld+json"]
    return json.loads(text)


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("velo", "jeudi 26 novembre 2026, de 14 h à 18 h"),
        ("forum", "du mardi 1er au vendredi 4 décembre 2026"),
        ("festival", "du jeudi 10 au samedi 12 décembre 2026, de 10 h à 18 h"),
        ("reunion", "samedi 28 novembre 2026, de 9 h à 12 h (heure : La Réunion)"),
    ],
)
def test_when_is_written_the_french_way(web, events, name, phrase):
    parsed = page(web, events[name].uid)
    assert phrase in parsed.visible_text


def test_an_event_page_has_everything(web, events):
    velo = events["velo"]
    parsed = page(web, velo.uid)
    text = parsed.visible_text
    assert "Recyclerie Un peu d'R 5 rue Danton 29200 Brest (Bretagne)" in text
    assert "Venez réparer votre vélo avec les bénévoles." in text and "Outils fournis." in text
    links = {attrs["href"] for attrs in parsed.all("a")}
    assert "https://www.openstreetmap.org/?mlat=48.390400&mlon=-4.486100#map=17/48.390400/-4.486100" in links
    assert {"https://adess.example/velo", "https://unpeudr.example/ateliers/velo"} <= links
    assert parsed.by_id("event-ics")["href"] == f"/events/{velo.uid}.ics"
    google = urlsplit(parsed.by_id("event-google")["href"])
    params = parse_qs(google.query)
    assert google.netloc == "calendar.google.com" and params["action"] == ["TEMPLATE"]
    assert params["dates"] == ["20261126T140000/20261126T180000"] and params["ctz"] == ["Europe/Paris"]
    assert params["text"] == ["Atelier réparation vélo"]
    meta = {
        attrs.get("property"): attrs.get("content") for attrs in parsed.all("meta") if attrs.get("property")
    }
    assert meta["og:title"] == "Atelier réparation vélo"
    assert meta["og:url"] == f"http://localhost/events/{velo.uid}"
    assert meta["og:description"].startswith("jeudi\xa026\xa0novembre\xa02026")
    data = jsonld(parsed)
    assert data["@type"] == "Event" and data["name"] == "Atelier réparation vélo"
    assert data["startDate"] == "2026-11-26T14:00:00+01:00" and data["endDate"] == "2026-11-26T18:00:00+01:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["address"]["postalCode"] == "29200"
    assert data["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 48.3904, "longitude": -4.4861}
    assert data["organizer"] == {"@type": "Organization", "name": "Un peu d'R"}
    assert "ANNULÉ" not in text


def test_a_cancelled_event_shows_a_banner(web, events):
    parsed = page(web, events["cancelled"].uid)
    assert "ANNULÉ — Cet événement est annulé." in parsed.visible_text
    assert jsonld(parsed)["eventStatus"] == "https://schema.org/EventCancelled"
    html = web.get(f"/events/{events['cancelled'].uid}").get_data(as_text=True)
    assert "<title>ANNULÉ : Conférence sur les coopératives" in html
    google = parse_qs(urlsplit(parsed.by_id("event-google")["href"]).query)
    assert google["text"] == ["ANNULÉ : Conférence sur les coopératives"]
    ics = web.get(f"/events/{events['cancelled'].uid}.ics").get_data(as_text=True)
    assert "SUMMARY:ANNULÉ : Conférence sur les coopératives" in ics


def test_an_online_event_and_an_all_day_event(web, events):
    parsed = page(web, events["webinar"].uid)
    assert jsonld(parsed)["location"] == {"@type": "VirtualLocation", "url": "https://visio.example/finance"}
    assert jsonld(parsed)["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    forum = page(web, events["forum"].uid)
    assert (jsonld(forum)["startDate"], jsonld(forum)["endDate"]) == ("2026-12-01", "2026-12-04")
    google = parse_qs(urlsplit(forum.by_id("event-google")["href"]).query)
    assert google["dates"] == ["20261201/20261205"]
    assert any("openstreetmap.org/search?query=Rennes" in (a.get("href") or "") for a in forum.all("a"))


def test_hostile_text_is_text_in_the_page_and_in_its_json_ld(web, events):
    for name, title in (("xss", XSS_TITLE), ("xss_attribute", XSS_ATTRIBUTE)):
        response = web.get(f"/events/{events[name].uid}")
        html = response.get_data(as_text=True)
        parsed = assert_inert(html)
        assert title in parsed.visible_text
        (script,) = [text for attrs, text in parsed.scripts if attrs.get("type") == "application/ld+json"]
        assert "</" not in script and "<script" not in script.lower()
        assert jsonld(parsed)["name"] == title
    parsed = page(web, events["xss"].uid)
    assert jsonld(parsed)["description"] == "</script><script>alert(2)</script>"
    assert "<b>Salle</b>" in parsed.visible_text


def test_the_agenda_s_filters_follow_to_the_event_page(web, events):
    parsed = page(web, events["velo"].uid, "?region=Bretagne")
    assert parsed.by_id("subscribe-webcal")["href"] == "webcal://localhost/calendar.ics?region=Bretagne"
    assert any(a.get("href") == "/?region=Bretagne" for a in parsed.all("a"))
    canonical = [a["href"] for a in parsed.all("link") if a.get("rel") == "canonical"]
    assert canonical == [f"http://localhost/events/{events['velo'].uid}"]


def test_an_absorbed_uid_redirects_permanently(web, events):
    response = web.get("/events/absorbed@ess-agenda.test?region=Bretagne")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/events/{events['velo'].uid}?region=Bretagne"


def test_an_unknown_uid_is_a_404_page(web):
    response = web.get("/events/nobody@ess-agenda.test")
    assert response.status_code == 404
    assert "Aucun événement n&#39;a l&#39;identifiant nobody@ess-agenda.test." in response.get_data(
        as_text=True
    )
