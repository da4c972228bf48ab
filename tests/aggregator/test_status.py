"""Status: cancelled or postponed from structured statuses and title words, never from "complet"."""

from __future__ import annotations

from typing import Any

import pytest

from aggregator.normalize.status import event_status, status_from_source, status_from_text
from core.status import CANCELLED, CONFIRMED, POSTPONED
from spiders.kinds.base import EventSpider


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("CANCELLED", CANCELLED),
        ("canceled", CANCELLED),
        ("https://schema.org/EventCancelled", CANCELLED),
        ("EventPostponed", POSTPONED),
        ("http://schema.org/EventRescheduled", CONFIRMED),
        ("EventScheduled", CONFIRMED),
        ("CONFIRMED", CONFIRMED),
        ("TENTATIVE", CONFIRMED),
        ("Annulé", CANCELLED),
        ("reporté", POSTPONED),
        (6, CANCELLED),
        (4, POSTPONED),
        (5, CONFIRMED),
        (1, CONFIRMED),
        ("something else", None),
        (None, None),
        (True, None),
    ],
)
def test_structured_status(value: Any, status: str | None) -> None:
    assert status_from_source(value) == status


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("ANNULÉ – Soirée jeux coopératifs", CANCELLED),
        ("Soirée jeux (annulée)", CANCELLED),
        ("[ANNULE] Atelier couture", CANCELLED),
        ("Atelier vélo - annulé", CANCELLED),
        ("CANCELLED: Workshop", CANCELLED),
        ("Canceled — Forum", CANCELLED),
        ("ANNULATION : Forum ESS & emploi", CANCELLED),
        ("Marché de Noël REPORTÉ", POSTPONED),
        ("Atelier reporté à une date ultérieure", POSTPONED),
        ("Assemblée générale (reportée)", POSTPONED),
        ("Postponed: meetup", POSTPONED),
        ("COMPLET – Atelier réparation vélo", CONFIRMED),
        ("Atelier complet", CONFIRMED),
        ("Maintenu, non annulé : forum", CONFIRMED),
        ("Le reportage solidaire", CONFIRMED),
        ("Reporter de territoire : atelier", CONFIRMED),
        ("Annulation gratuite : mode d'emploi", CONFIRMED),
        ("Soirée des partenaires", CONFIRMED),
        ("", CONFIRMED),
    ],
)
def test_title_words(title: str, status: str) -> None:
    assert status_from_text(title) == status


@pytest.mark.parametrize(
    ("structured", "title", "description", "status"),
    [
        ("CANCELLED", "Soirée jeux", "", CANCELLED),
        ("CONFIRMED", "ANNULÉ - Soirée jeux", "", CANCELLED),
        (
            None,
            "Forum",
            "Annulation gratuite jusqu'à 48 h avant. En cas d'annulation, prévenez-nous.",
            CONFIRMED,
        ),
        (None, "Forum", "Inscription conseillée : l'atelier est complet à 12 personnes.", CONFIRMED),
        (None, "Forum", "ANNULÉ. Nous sommes désolés.", CANCELLED),
        (None, "Forum", "Cet atelier est annulé faute de participants.", CANCELLED),
        (None, "Marché", "Le marché de Noël est reporté au printemps.", POSTPONED),
        (None, "Marché", "Le marché est annulé en cas de pluie.", CONFIRMED),
        (None, "Marché", "Venez nombreux ! Le concert de l'an dernier, annulé, revient.", CONFIRMED),
        ("EventPostponed", "Forum", "", POSTPONED),
        (6, "Forum", "", CANCELLED),
        ("bogus", "Forum", None, CONFIRMED),
    ],
)
def test_event_status(structured: Any, title: str, description: str | None, status: str) -> None:
    assert event_status(structured, title, description) == status


def test_spiders_share_the_rule() -> None:
    assert EventSpider.status_from_text("COMPLET") == CONFIRMED
    assert EventSpider.status_from_text("Atelier", "ANNULÉ") == CANCELLED


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("Forum de l'emploi – reporté au 17 décembre", CONFIRMED),
        ("Atelier reportée au lundi 4 janvier", CONFIRMED),
        ("Assemblée générale reportée au 1er février", CONFIRMED),
        ("Atelier reporté à une date ultérieure", POSTPONED),
        ("Soirée reportée", POSTPONED),
    ],
)
def test_postponed_to_a_date_it_gives_is_confirmed(title: str, status: str) -> None:
    assert status_from_text(title) == status


@pytest.mark.parametrize(
    ("description", "status"),
    [
        ("Reporté au 17 décembre : venez nombreux.", CONFIRMED),
        ("Reporté : nouvelle date à venir.", POSTPONED),
    ],
)
def test_a_description_opening_on_a_new_date_is_confirmed(description: str, status: str) -> None:
    assert event_status(None, "Atelier", description) == status


def test_event_postponed_with_a_new_start_date_is_confirmed() -> None:
    from spiders.extract.schema_org import event_fields

    moved = {"@type": "Event", "name": "Forum", "eventStatus": "https://schema.org/EventPostponed"}
    moved |= {"startDate": "2026-12-17T14:00", "previousStartDate": "2026-12-03T14:00"}
    assert event_fields(moved, "http://127.0.0.1/")["status"] == CONFIRMED
    waiting = {**moved, "previousStartDate": "2026-12-17T14:00"}  # no new date yet
    assert event_fields(waiting, "http://127.0.0.1/")["status"] == POSTPONED
