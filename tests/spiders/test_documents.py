"""Documents as blocks, their candidates, and the classifier's features."""

from __future__ import annotations

from datetime import date

import pytest

from spiders.extract.candidates import find_candidates
from spiders.extract.documents import ROW, UnreadableDocument, html_document, pdf_document, text_document
from spiders.extract.verdicts import features, judge
from tests.spiders.crawling import FIXTURES

PROSE = FIXTURES / "prose" / "sites"
PUBLISHED = date(2027, 1, 6)


def _candidates(html: str, published: date = PUBLISHED) -> dict[str, object]:
    document = html_document(html, "http://127.0.0.1/post/", "Actualités", published, whole_page=False)
    return {c.days.first.isoformat(): c for c in find_candidates(document)}


def test_a_page_loses_its_menus_footer_and_cookie_banner() -> None:
    page = (PROSE / "cress-aura/actualites/la-lettre-de-la-cress-janvier-2027/index.html").read_text()
    document = html_document(page, "http://127.0.0.1/", "La Lettre", PUBLISHED)
    text = " ".join(b.text for b in document.blocks)
    assert "Rencontre régionale des PTCE" in text
    assert "cookies" not in text and "Mentions légales" not in text and "Siège" not in text


def test_a_table_row_keeps_its_cells_and_struck_text() -> None:
    page = PROSE / "cress-corse/2027/01/08/semaine-de-less-a-lecole-2027-le-programme-en-corse/index.html"
    document = html_document(page.read_text(), "http://127.0.0.1/", "Programme", PUBLISHED)
    rows = [b for b in document.blocks if b.kind == ROW]
    assert len(rows) == 7
    assert rows[4].struck[0] == "Vendredi 26 mars" and rows[4].cells[1] == "14h – 16h"


def test_a_pdf_keeps_its_columns_apart_and_its_bold_lines() -> None:
    body = (PROSE / "pole-ess-tarn/wp-content/uploads/2027/01/Lettre-du-Pole-n18-hiver-2027.pdf").read_bytes()
    document = pdf_document(body, "http://127.0.0.1/lettre.pdf", "", PUBLISHED)
    agenda = [b for b in document.blocks if b.heading == "Agenda"]
    assert agenda[0].strong == (
        "Jeudi 28 janvier · 18h – 20h Soirée d’information « Créer son activité en coopérative »",
    )
    assert "Albi" in agenda[0].text and "Édito" not in agenda[0].text


def test_a_broken_pdf_is_refused_clearly() -> None:
    with pytest.raises(UnreadableDocument):
        pdf_document(b"%PDF-1.4 not really", "http://127.0.0.1/x.pdf", "", PUBLISHED)


def test_plain_text_keeps_bold_as_emphasis() -> None:
    document = text_document("Agenda\n\nLe **Forum des Scop** aura lieu le 3 mars.", "u", "t", PUBLISHED)
    assert document.blocks[1].strong == ("Forum des Scop",)
    assert document.blocks[1].heading == "Agenda"


def test_each_date_is_a_candidate_with_its_title_time_and_place() -> None:
    found = _candidates(
        "<h3>Atelier « Financer son projet »</h3>"
        "<p>Mardi 9 février, de 14h à 16h30, à la Maison des associations, 6 rue Berthelot, 51100 Reims.</p>"
        "<p><strong>Jeudi 11 mars à 18h30 :</strong> soirée jeux coopératifs, entrée libre.</p>"
    )
    atelier, soiree = found["2027-02-09"], found["2027-03-11"]
    assert atelier.title == "Atelier « Financer son projet »" and atelier.title_source == "heading"
    assert (atelier.when.start.hour, atelier.when.end.minute) == (14, 30)
    assert (atelier.place.postcode, atelier.place.city) == ("51100", "Reims")
    assert soiree.title == "Soirée jeux coopératifs" and soiree.when.end is None


def test_the_same_days_mentioned_twice_are_one_candidate_with_the_precise_fields() -> None:
    found = _candidates(
        "<p>Le forum des métiers de l’ESS aura lieu le 16 février à Lyon.</p>"
        "<p>Retenez la date du 16 février, de 9h à 12h30, au 12 rue Royale, 69001 Lyon.</p>"
    )
    assert list(found) == ["2027-02-16"]
    merged = found["2027-02-16"]
    assert (merged.when.start.hour, merged.place.postcode) == (9, "69001")


@pytest.mark.parametrize(
    ("sentence", "feature"),
    [
        ("Le comité s’est tenu le 8 décembre à Lyon.", "past_words"),
        ("Les dossiers sont à déposer jusqu’au vendredi 19 février.", "deadline_words"),
        ("Une formation pourrait avoir lieu le 22 mars à Carmaux.", "conditional"),
        ("Mission de service civique à compter du 1er mars.", "job_words"),
        ("Le guide est paru le 4 janvier.", "publication_words"),
        ("Le jury se réunira le 18 mars.", "internal_words"),
        ("La rencontre se tiendra le 4 février à Lyon.", "future_words"),
    ],
)
def test_features_read_the_words_around_the_date(sentence: str, feature: str) -> None:
    [candidate] = _candidates(f"<p>{sentence}</p>").values()
    assert features(candidate)[feature] == 1.0
    others = _candidates("<p>Atelier le 4 février.</p>")["2027-02-04"]
    assert features(others)[feature] == 0.0


def test_features_of_the_date_itself() -> None:
    found = _candidates("<p>Le 4 décembre, atelier à 14h à Lyon.</p><p>Du 1er au 31 mars, la campagne.</p>")
    past, period = features(found["2026-12-04"]), features(found["2027-03-01"])
    assert past["before_publication"] == 1.0 and past["has_time"] == 1.0 and past["has_place"] == 1.0
    assert period["long_period"] == 1.0 and period["before_publication"] == 0.0


def test_the_classifier_tells_an_announcement_from_its_traps() -> None:
    found = _candidates(
        "<h3>Matinale des financeurs solidaires</h3>"
        "<p>Rendez-vous le mardi 16 février, de 9h à 12h, au 12 rue Royale, 69001 Lyon.</p>"
        "<p>Le comité de pilotage s’est tenu le 8 décembre à Lyon.</p>"
        "<p>Les candidatures sont ouvertes jusqu’au lundi 15 mars sur le formulaire en ligne.</p>"
        "<p>Une seconde session pourrait être proposée le 20 avril, selon les demandes.</p>"
    )
    verdicts = {day: judge(c).event for day, c in found.items()}
    assert verdicts == {"2027-02-16": True, "2026-12-08": False, "2027-03-15": False, "2027-04-20": False}
