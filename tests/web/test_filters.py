"""The filter object: what the URL may say, how it reads back, and the errors it names."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict, iter_multi_items

from web.filters import FilterError, Filters, regions


def test_empty_query_means_every_upcoming_event():
    filters = Filters.parse({})
    assert filters == Filters() and filters.is_empty and filters.query_string == ""


def test_every_parameter_parses_and_reads_back_canonically():
    args = {
        "q": "  atelier   vélo ",
        "online": "oui",
        "mois_ess": "1",
        "to": "2026-11-30",
        "from": "2026-11-26",
        "source": "adess-brest",
        "category": "conference",
        "city": "Brest",
        "department": "2a",
        "region": "provence alpes cote d'azur",
    }
    filters = Filters.parse(args)
    assert filters == Filters(
        region=("Provence-Alpes-Côte d'Azur",),
        department=("2A",),
        city=("Brest",),
        category=("Conférence / table ronde",),
        source=("adess-brest",),
        start=date(2026, 11, 26),
        end=date(2026, 11, 30),
        text="atelier vélo",
        online=True,
        mois_ess=True,
    )
    assert list(filters.to_args()) == [
        "region",
        "department",
        "city",
        "category",
        "source",
        "from",
        "to",
        "q",
        "online",
        "mois_ess",
    ]
    assert Filters.parse(filters.to_args()) == filters


def test_every_official_region_is_accepted_and_spelled_officially():
    assert len(regions()) == 18
    for name in regions():
        assert Filters.parse({"region": name.upper()}).region == (name,)
    assert Filters.parse({"region": "la reunion"}).region == ("La Réunion",)
    assert Filters.parse({"region": "Aquitaine"}).region == ("Nouvelle-Aquitaine",)


def test_categories_by_slug_or_label_read_back_as_slugs():
    filters = Filters.parse({"category": "Salon / marché"})
    assert filters.category == ("Salon / marché",) and filters.to_args() == {"category": "salon-marche"}


def test_the_mois_de_l_ess_category_is_the_mois_ess_checkbox():
    assert Filters.parse({"category": "mois-ess"}) == Filters(mois_ess=True)
    assert Filters.parse({"category": ["mois-ess", "atelier"]}).to_args() == {
        "category": "atelier",
        "mois_ess": "1",
    }


def test_repeated_facets_keep_every_value_once_in_a_fixed_order():
    args = MultiDict(
        [("region", "Normandie"), ("region", "bretagne"), ("region", "Bretagne"), ("category", "forum")]
    )
    args.add("category", "atelier")
    args.add("source", "b-source")
    args.add("source", "a-source")
    filters = Filters.parse(args)
    assert filters.region == ("Bretagne", "Normandie") and filters.category == ("Atelier", "Forum")
    assert filters.to_args() == {
        "region": ["Bretagne", "Normandie"],
        "category": ["atelier", "forum"],
        "source": ["a-source", "b-source"],
    }
    assert filters.query_string == (
        "region=Bretagne&region=Normandie&category=atelier&category=forum&source=a-source&source=b-source"
    )
    assert Filters.parse(MultiDict(list(iter_multi_items(filters.to_args())))) == filters
    fewer = filters.without_value("region", "Normandie").without_value("category", "atelier")
    assert fewer.to_args() == {"region": "Bretagne", "category": "forum", "source": ["a-source", "b-source"]}
    assert ("region", "Normandie") in filters.active() and len(filters.active()) == 6


def test_a_wrong_value_among_several_is_named():
    with pytest.raises(FilterError) as error:
        Filters.parse(MultiDict([("region", "Bretagne"), ("region", "Atlantide")]))
    assert error.value.param == "region" and "Atlantide" in error.value.message


def test_online_zero_means_in_person_and_stays_in_the_url():
    filters = Filters.parse({"online": "0"})
    assert filters.online is False and filters.to_args() == {"online": "0"}


def test_without_removes_one_filter():
    filters = Filters.parse({"region": "Bretagne", "mois_ess": "1", "from": "2026-12-01"})
    assert filters.without("region").to_args() == {"from": "2026-12-01", "mois_ess": "1"}
    assert filters.without("mois_ess", "from").to_args() == {"region": "Bretagne"}


@pytest.mark.parametrize(
    ("args", "param", "words"),
    [
        ({"from": "2026-13-45"}, "from", "2026-13-45"),
        ({"to": "26/11/2026"}, "to", "AAAA-MM-JJ"),
        ({"from": "20261126"}, "from", "AAAA-MM-JJ"),
        ({"from": "1789-07-14"}, "from", "1990"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "to", "précède"),
        ({"region": "Bretange"}, "region", "Région inconnue : « Bretange »"),
        ({"department": "20"}, "department", "Département inconnu"),
        ({"department": "999"}, "department", "Département inconnu"),
        ({"category": "concert"}, "category", "Catégorie inconnue : « concert »"),
        ({"online": "peut-être"}, "online", "attendu 1 (oui) ou 0 (non)"),
        ({"mois_ess": "novembre"}, "mois_ess", "attendu 1"),
        ({"q": "x" * 201}, "q", "200 caractères"),
        ({"source": "<script>"}, "source", "Source inconnue"),
    ],
)
def test_invalid_parameters_name_what_is_wrong(args, param, words):
    with pytest.raises(FilterError) as caught:
        Filters.parse(args)
    assert caught.value.param == param
    assert words in caught.value.message


def test_window_defaults_to_the_given_first_day():
    assert Filters().window(date(2026, 11, 23)) == (date(2026, 11, 23), None)
    chosen = Filters(start=date(2026, 12, 1), end=date(2026, 12, 2))
    assert chosen.window(date(2026, 11, 23)) == (date(2026, 12, 1), date(2026, 12, 2))
