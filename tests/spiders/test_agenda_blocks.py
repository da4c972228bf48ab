"""Agenda blocks read by their shape: cards with date badges, news blocks dated alike, event pages
read from their labelled lines."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from spiders.extract.agenda_blocks import agenda_cards, event_details
from spiders.extract.french_dates import When

BASE = "https://portail.example/"
REFERENCE = date(2027, 1, 11)


def card(href: str, badge: str, title: str, place: str = "") -> str:
    where = f'<p class="carte-lieu">{place}</p>' if place else ""
    heading = f'<h3><a href="{href}">{title}</a></h3>'
    return f'<div class="carte"><div class="pastille">{badge}</div>{heading}{where}</div>'


def block(heading: str, cards: list[str], more: str = "") -> str:
    return f"<section><h2>{heading}</h2>{''.join(cards)}{more}</section>"


AGENDA = block(
    "Agenda",
    [
        card(
            "/agenda/petit-dej",
            "<span>FÉV.</span><span>04</span>",
            "Petit-déjeuner des financeurs",
            "Marseille (13)",
        ),
        card("/agenda/atelier", "<span>18</span> | <span>FÉV.</span>", "Atelier impact social", "Nice (06)"),
        card("/agenda/cine", '<time datetime="2027-04-13">13/04</time>', "Ciné-débat"),
    ],
    '<p><a href="/agenda">Voir tout l\'agenda</a></p>',
)
NEWS = block(
    "Actualités",
    [
        card("/actualites/appel", "<span>JANV.</span><span>07</span>", "Appel à projets jusqu'au 26 février"),
        card("/actualites/panorama", "<span>DÉC.</span><span>18</span>", "Panorama de l'ESS"),
    ],
    '<p><a href="/actualites">Toutes les actualités</a></p>',
)


def test_agenda_cards_and_not_the_news_dated_alike():
    html = f"<html><body><nav><a href='/agenda'>Agenda</a></nav><main>{AGENDA}{NEWS}</main></body></html>"
    cards, more = agenda_cards(html, BASE, REFERENCE)
    assert [(c.title, c.url.removeprefix(BASE), c.when and c.when.start) for c in cards] == [
        ("Petit-déjeuner des financeurs", "agenda/petit-dej", date(2027, 2, 4)),
        ("Atelier impact social", "agenda/atelier", date(2027, 2, 18)),
        ("Ciné-débat", "agenda/cine", date(2027, 4, 13)),
    ]
    assert (cards[0].place.city, cards[0].place.department) == ("Marseille", "13")
    assert more == [f"{BASE}agenda"]


def test_a_year_less_badge_is_read_against_the_reference_day():
    cards, _ = agenda_cards(AGENDA, BASE, date(2027, 11, 20))
    assert cards[0].when == When(date(2028, 2, 4), date(2028, 2, 4), all_day=True)


def test_news_alone_one_card_or_undated_links_are_no_agenda():
    assert agenda_cards(NEWS, BASE, REFERENCE) == ([], [])
    lone = block("Agenda", [card("/agenda/a", "<span>MARS</span><span>05</span>", "Journée")])
    assert agenda_cards(lone, BASE, REFERENCE) == ([], [])
    undated = block("Agenda", [card(f"/agenda/{n}", "<span>Nouveau</span>", f"Item {n}") for n in range(3)])
    assert agenda_cards(undated, BASE, REFERENCE) == ([], [])
    assert agenda_cards("", BASE, REFERENCE) == ([], [])


def page(lines: str) -> str:
    article = f"<article><h1>Titre</h1><ul>{lines}</ul><p>Texte.</p></article>"
    return f"<html><body><main>{article}</main></body></html>"


@pytest.mark.parametrize(
    ("date_text", "hours", "start", "end"),
    [
        ("jeudi 4 février 2027", "8h30 - 10h30", datetime(2027, 2, 4, 8, 30), datetime(2027, 2, 4, 10, 30)),
        ("jeudi 18 février", "de 14h00 à 17h00", datetime(2027, 2, 18, 14), datetime(2027, 2, 18, 17)),
        ("vendredi 5 mars 2027", "9h30 › 17h", datetime(2027, 3, 5, 9, 30), datetime(2027, 3, 5, 17)),
        ("mardi 13 avril 2027", "à partir de 18h30", datetime(2027, 4, 13, 18, 30), None),
        ("du mardi 16 au jeudi 18 mars 2027", "", date(2027, 3, 16), date(2027, 3, 18)),
    ],
)
def test_event_pages_read_from_labelled_lines(date_text, hours, start, end):
    lines = f"<li><strong>Date :</strong> {date_text}</li>"
    lines += f"<li><strong>Horaires :</strong> {hours}</li>" if hours else ""
    lines += "<li><strong>Lieu :</strong> Maison des associations, 12 place Garibaldi, 06300 Nice</li>"
    lines += "<li><strong>Organisateur :</strong> DLA des Alpes-Maritimes</li>"
    details = event_details(page(lines), REFERENCE)
    assert details.when is not None and (details.when.start, details.when.end) == (start, end)
    assert details.when.all_day == (not hours)
    place = details.place
    assert (place.location_name, place.address, place.postcode, place.city) == (
        "Maison des associations",
        "12 place Garibaldi",
        "06300",
        "Nice",
    )
    assert details.organizer == "DLA des Alpes-Maritimes"


def test_event_pages_with_a_definition_list_or_no_labels():
    lines = "<dl><dt>Date</dt><dd>18 mars</dd><dt>Lieu</dt><dd>Lille (59)</dd></dl>"
    details = event_details(f"<main>{lines}</main>", REFERENCE)
    assert details.when == When(date(2027, 3, 18), date(2027, 3, 18), all_day=True)
    assert (details.place.city, details.place.department) == ("Lille", "59")
    nothing = event_details(page("<li>Rendez-vous le 4 février</li>"), REFERENCE)
    assert (nothing.when, bool(nothing.place)) == (None, False)


def test_a_page_without_labels_is_read_on_its_badge_day():
    prose = page(
        "<li>Inscriptions avant le 28 janvier.</li>"
        "<li>Rendez-vous le jeudi 4 février de 9h à 12h à la Maison des associations de Nice.</li>"
    )
    badge = When(date(2027, 2, 4), date(2027, 2, 4), all_day=True)
    details = event_details(prose, REFERENCE, badge)
    assert details.when == When(datetime(2027, 2, 4, 9), datetime(2027, 2, 4, 12), all_day=False)
    other_day = When(date(2027, 2, 11), date(2027, 2, 11), all_day=True)
    assert event_details(prose, REFERENCE, other_day).when is None
