"""Categories: the ESS vocabulary read from titles, source categories and keywords."""

from __future__ import annotations

import pytest

from aggregator.normalize.categories import BY_LABEL, BY_SLUG, CATEGORIES, MOIS_ESS, categorize


@pytest.mark.parametrize(
    ("title", "source_categories", "labels"),
    [
        ("Atelier réparation vélo", [], ["Atelier"]),
        ("ATELIER COUTURE", [], ["Atelier"]),
        ("Atelier et forum « Engager sa collectivité »", [], ["Atelier", "Forum"]),
        ("Disco Soupe", ["Ateliers", "Mois de l’ESS"], [MOIS_ESS, "Atelier"]),
        (
            "Forum ESS & emploi",
            ["ESS", "Mois de l'ESS", "économie sociale et solidaire"],
            [MOIS_ESS, "Forum"],
        ),
        ("Soirée", ["#MoisDeLESS"], [MOIS_ESS]),
        ("Conférence-débat : la finance solidaire", [], ["Conférence / table ronde"]),
        ("Table ronde des élus", [], ["Conférence / table ronde"]),
        ("Colloque régional", [], ["Conférence / table ronde"]),
        ("Se former à la gouvernance partagée", [], ["Formation"]),
        ("Les 2ème Rencontres de l'Impact Social", [], ["Rencontre / réseau"]),
        ("PTCE ALISS : petit-déjeuner de la coopération", [], ["Rencontre / réseau"]),
        ("Matinale de l’impact social", [], ["Rencontre / réseau"]),
        ("Afterwork du réseau", [], ["Rencontre / réseau"]),
        ("Marché de Noël solidaire", [], ["Salon / marché"]),
        ("Marche de Noel solidaire", [], ["Salon / marché"]),
        ("Repas partagé", ["Marchés"], ["Salon / marché"]),
        ("Marche pour le climat", [], []),
        ("Salon des solidarités", [], ["Salon / marché"]),
        ("Journée portes ouvertes du garage solidaire", [], ["Portes ouvertes"]),
        ("Visite de la ferme florale", [], ["Portes ouvertes"]),
        ("Assemblée Générale de la CRESS", [], ["Assemblée générale"]),
        ("AG ordinaire 2026", [], ["Assemblée générale"]),
        ("Tag et graffitis", [], []),
        ("Webinaire « Apprendre à manager le travail »", [], ["Webinaire"]),
        ("Fête de la coopération", [], ["Fête / festival"]),
        ("Festival des solidarités", [], ["Fête / festival"]),
        ("Permanence du Café Pluche", ["Ouverture régulière"], ["Permanence"]),
        ("Soirée jeux coopératifs", ["Animations"], []),
        ("", [], []),
    ],
)
def test_categorize(title: str, source_categories: list[str], labels: list[str]) -> None:
    assert categorize(title, source_categories) == labels


def test_mois_de_less_said_in_the_description() -> None:
    text = "Dans le cadre du Mois de l'ESS, la CRESS vous invite."
    assert categorize("Soirée", [], text) == [MOIS_ESS]
    assert categorize("Soirée", [], "Bilan du mois dernier, l'ESS en chiffres.") == []


def test_vocabulary_is_stable() -> None:
    assert [c.slug for c in CATEGORIES] == [
        "mois-ess",
        "atelier",
        "forum",
        "conference",
        "formation",
        "rencontre",
        "salon-marche",
        "portes-ouvertes",
        "assemblee-generale",
        "webinaire",
        "fete-festival",
        "permanence",
    ]
    assert BY_SLUG["mois-ess"].label == MOIS_ESS
    assert set(BY_LABEL) == {c.label for c in CATEGORIES}
    assert all(slug.isascii() and slug == slug.lower() for slug in BY_SLUG)
