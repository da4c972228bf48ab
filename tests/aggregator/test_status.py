"""Status: cancelled or postponed from structured statuses and title words, never from "complet"."""

from __future__ import annotations

from typing import Any

import pytest

from aggregator.normalize.status import event_status, status_from_source, status_from_text
from spiders.constants import CANCELLED, CONFIRMED, POSTPONED
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
