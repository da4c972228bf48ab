"""Places in French prose and in agenda location fields."""

from __future__ import annotations

import pytest

from spiders.extract.french_places import Place, find_place, is_online, parse_location

PROSE = [
    (
        " de 14h à 18h au CESAM, 3 rue Jean XXIII à Dijon. Venez découvrir des témoignages",
        Place("CESAM", "3 rue Jean XXIII", None, "Dijon"),
    ),
    (
        " à Logonna-Daoulas (29) : « L’ESS, un levier pour nos territoires ? »",
        Place(city="Logonna-Daoulas", department="29"),
    ),
    (
        ", de 18h à 20h, à l’Hôtel de Région, 283 avenue du Général Patton, 35000 Rennes. Entrée libre.",
        Place("Hôtel de Région", "283 avenue du Général Patton", "35000", "Rennes"),
    ),
    (
        ", de 14h à 18h, à l’Espace Co-Hop du CESAM (3 rue Jean XXIII, Dijon) : table ronde",
        Place("Espace Co-Hop du CESAM", "3 rue Jean XXIII", None, "Dijon"),
    ),
    (
        ", de 9h30 à 16h30, au centre EcoTri des Ateliers Fouesnantais, à Fouesnant (29).",
        Place("centre EcoTri des Ateliers Fouesnantais", None, None, "Fouesnant", "29"),
    ),
    (
        " au Couvent des Jacobins , place Sainte-Anne à Rennes (35).",
        Place("Couvent des Jacobins", "place Sainte-Anne", None, "Rennes", "35"),
    ),
    (
        " aura lieu une véritable tempête de l’ESS, dans la halle des sports de l’UBO, à Brest.",
        Place("halle des sports de l’UBO", city="Brest"),
    ),
    (", salle Jean Bouhey, 21000 Dijon", Place("salle Jean Bouhey", None, "21000", "Dijon")),
    (" à 19h, salle Edgar Faure à Dole (39).", Place("salle Edgar Faure", city="Dole", department="39")),
    (" à Saint-Brieuc (22) : programme détaillé", Place(city="Saint-Brieuc", department="22")),
    (" à Villeneuve-d’Ascq.", Place(city="Villeneuve-d’Ascq")),
    (" à La Roche-sur-Yon, au lycée Nature", Place(city="La Roche-sur-Yon")),
    (
        " au bar associatif La Grande Ourse, 4 place Alsace-Lorraine à Lorient (56).",
        Place("bar associatif La Grande Ourse", "4 place Alsace-Lorraine", None, "Lorient", "56"),
    ),
]

NO_PLACE = [
    "Un cadeau à Noël pour les bénévoles.",
    "Merci à l’ESS et à ses acteurs.",
    "Le prix régional sera remis à l’occasion du RDV des acteurs.",
]

FIELDS = [
    (
        "Maison de la vie associative, 72-74 rue Royale, 59000 Lille",
        Place("Maison de la vie associative", "72-74 rue Royale", "59000", "Lille"),
    ),
    (
        "Garage solidaire, rue de la Mairie, 60160 Thiverny",
        Place("Garage solidaire", "rue de la Mairie", "60160", "Thiverny"),
    ),
    (
        "ALISS, 2 allée de l’innovation, 02200 Soissons",
        Place("ALISS", "2 allée de l’innovation", "02200", "Soissons"),
    ),
    ("Villeneuve-d'Ascq (59)", Place(city="Villeneuve-d'Ascq", department="59")),
    ("Amiens (80)", Place(city="Amiens", department="80")),
    ("Amiens", Place(city="Amiens")),
    ("Salle des fêtes", Place(location_name="Salle des fêtes")),
    ("Salle des fêtes, Quimper", Place(location_name="Salle des fêtes", city="Quimper")),
    # The one rule for one-line places: a lone postcode beside its city, the country dropped.
    (
        "Café Pluche, 3 place Paul Bert, Nontron, 24300, France",
        Place("Café Pluche", "3 place Paul Bert", "24300", "Nontron"),
    ),
    ("Halle de l’Albinque, Castres", Place(location_name="Halle de l’Albinque", city="Castres")),
    ("En ligne", Place(online=True)),
    ("Visioconférence (Zoom)", Place(online=True)),
    ("", Place()),
]


@pytest.mark.parametrize(("text", "expected"), PROSE)
def test_place_in_prose(text: str, expected: Place) -> None:
    assert find_place(text) == expected


@pytest.mark.parametrize("text", NO_PLACE)
def test_no_place_in_prose(text: str) -> None:
    assert not find_place(text)


@pytest.mark.parametrize(("text", "expected"), FIELDS)
def test_location_field(text: str, expected: Place) -> None:
    assert parse_location(text) == expected


@pytest.mark.parametrize(
    ("text", "online"),
    [
        ("Webinaire « Apprendre à manager le travail »", True),
        ("Réunion en visioconférence", True),
        ("Atelier 100 % en ligne", True),
        ("Inscription en ligne sur le site", False),
        ("Atelier à Rennes", False),
    ],
)
def test_online_words(text: str, online: bool) -> None:
    assert is_online(text) is online
