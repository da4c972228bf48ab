"""The Atom feed: the agenda's next events for the same filters, well-formed, text stays text."""

from __future__ import annotations

from xml.etree import ElementTree

from tests.web.factories import XSS_ATTRIBUTE, XSS_TITLE

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(web, query=""):
    response = web.get(f"/feed.atom?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ElementTree.fromstring(response.data)
    return root, root.findall(f"{ATOM}entry")


def test_atom_entries_are_the_agenda_s_events(web, events):
    root, found = entries(web, "region=Bretagne")
    assert root.findtext(f"{ATOM}title") == "Agenda de l'ESS — Bretagne"
    assert [e.findtext(f"{ATOM}id") for e in found] == [
        f"http://localhost/events/{events['velo'].uid}",
        f"http://localhost/events/{events['forum'].uid}",
    ]
    first = found[0]
    assert first.findtext(f"{ATOM}title") == "Atelier réparation vélo"
    assert first.findtext(f"{ATOM}summary").startswith(
        "jeudi\xa026\xa0novembre\xa02026, de 14\xa0h à 18\xa0h"
    )
    assert "https://adess.example/velo" in first.findtext(f"{ATOM}content")
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["Atelier", "Mois de l'ESS"]


def test_atom_is_french_whatever_the_visitor_s_language(web):
    english = web.get("/feed.atom?department=21", headers={"Accept-Language": "en"}).data.decode()
    assert "<title>ANNULÉ : Conférence sur les coopératives</title>" in english
    assert "lundi\xa030\xa0novembre\xa02026" in english


def test_hostile_text_stays_text_in_atom(web):
    response = web.get("/feed.atom?region=Île-de-France")
    assert b"<script>" not in response.data and b"<b>" not in response.data
    _, found = entries(web, "region=Île-de-France")
    assert [e.findtext(f"{ATOM}title") for e in found] == [XSS_TITLE, XSS_ATTRIBUTE]
