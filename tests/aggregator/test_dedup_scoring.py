"""Pair verdicts: vetoes, time and place compatibility, title evidence; no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aggregator.dedup.clustering import complete_link
from aggregator.dedup.links import canonical_url, linked_urls, openagenda_uid
from aggregator.dedup.precedence import is_news
from aggregator.dedup.profile import Profile, build_profile
from aggregator.dedup.scoring import COMPATIBLE, SAME_EVENT, compare
from aggregator.dedup.text import capitalized, numbering, numbering_conflicts, stem, weighted_words
from aggregator.models import Listing, Source

PARIS = ZoneInfo("Europe/Paris")
SOURCES = {
    "organizer": Source(id=1, name="organizer", kind="jsonld", url="u", options={}),
    "national": Source(id=2, name="national", kind="openagenda", url="u", options={}),
    "news": Source(id=3, name="news", kind="rss", url="u", options={}),
    "other": Source(id=4, name="other", kind="ical", url="u", options={}),
}
_ids = iter(range(1, 10_000))


def profile(source: str = "organizer", **columns: Any) -> Profile:
    values: dict[str, Any] = {
        "key": f"k{next(_ids)}",
        "title": "Atelier",
        "start": datetime(2026, 11, 26, 14, tzinfo=PARIS),
        "end": None,
        "all_day": False,
        "timezone": "Europe/Paris",
        "city": "Dijon",
        "department": "21",
        "region": "Bourgogne-Franche-Comté",
        "online": False,
        "removed": False,
        "raw": {},
        "first_seen": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(columns)
    listing = Listing(id=next(_ids), source_id=SOURCES[source].id, **values)
    return build_profile(listing, SOURCES[source])


def at(hour: int, minute: int = 0, day: int = 26) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def test_reworded_titles_of_one_event_match():
    a = profile(title="Engager sa collectivité dans un projet : mobiliser l'ESS")
    b = profile("national", title="Atelier et forum « Engager sa collectivité »")
    assert compare(a, b).same


def test_two_listings_of_one_source_are_two_events():
    a = profile(title="Atelier couture", key="1")
    b = profile(title="Atelier couture", key="2")
    assert compare(a, b).veto == "one source, two events"


def test_a_news_post_may_repeat_its_source_agenda():
    a = profile("news", title="Forum ESS & emploi : rendez-vous le 26 novembre", key="https://x/actu")
    b = profile("news", title="Forum ESS & emploi", key="https://x/agenda")
    assert compare(a, b).veto is None


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (at(18), at(18, 30), True),  # 18h and 18h30: one evening
        (at(14), at(14, 20), True),
        (at(9), at(14), False),  # hours apart
    ],
)
def test_start_times(first, second, same):
    a = profile(title="Soirée Disco Soupe géante", start=first)
    b = profile("national", title="Disco Soupe géante", start=second)
    assert compare(a, b).same is same
    if not same:
        assert compare(a, b).veto == "times apart"


def test_all_day_and_timed_on_the_same_day_are_compatible():
    a = profile(title="Disco Soupe géante", start=datetime(2026, 11, 26, tzinfo=PARIS), all_day=True)
    b = profile("national", title="Disco Soupe géante", start=at(18))
    assert compare(a, b).same


def test_multi_day_event_meets_its_second_day():
    a = profile(
        title="Salon des solidarités",
        start=datetime(2026, 11, 26, tzinfo=PARIS),
        end=datetime(2026, 11, 27, tzinfo=PARIS),
        all_day=True,
    )
    b = profile("national", title="Salon des solidarités", start=at(10, day=27))
    assert compare(a, b).same


def test_other_days_never_meet():
    a = profile(title="Permanence du Café Pluche", start=at(15, day=24))
    b = profile("national", title="Permanence du Café Pluche", start=at(15, day=25))
    assert compare(a, b).veto == "other days"


def test_other_departements_never_meet_but_online_meets_any():
    a = profile(title="Webinaire mécénat de compétences", department="35", city="Rennes")
    b = profile("national", title="Webinaire mécénat de compétences", department="29", city="Brest")
    assert compare(a, b).veto == "elsewhere"
    online = profile(
        "national", title="Webinaire mécénat de compétences", online=True, city=None, department=None
    )
    assert compare(a, online).same


def test_a_placeless_listing_meets_its_region_only():
    a = profile(title="Prix régional de l'ESS", region="Bretagne", department="35", city="Rennes")
    b = profile("news", title="Prix régional de l'ESS", region="Bretagne", department=None, city=None)
    c = profile("news", title="Prix régional de l'ESS", region="Normandie", department=None, city=None)
    assert compare(a, b).veto is None
    assert compare(a, c).veto == "elsewhere"


def test_opening_is_not_closing():
    a = profile(title="Festival des Solidarités : soirée d'ouverture", start=at(18))
    b = profile("national", title="Festival des Solidarités : soirée de clôture", start=at(18))
    assert compare(a, b).veto == "opposites"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2e Forum de l'emploi solidaire", "3e Forum de l'emploi solidaire"),
        ("Rencontres de l'ESS, deuxième édition", "Rencontres de l'ESS – 3ème édition"),
        ("Entreprendre autrement – session 1", "Entreprendre autrement – session 2"),
    ],
)
def test_different_edition_numbers_never_meet(first, second):
    assert compare(profile(title=first), profile("national", title=second)).veto == "other edition"


def test_an_edition_number_on_one_side_only_is_no_veto():
    a = profile(title="Engager sa collectivité, deuxième édition")
    b = profile("national", title="Engager sa collectivité")
    assert compare(a, b).same


def test_different_towns_of_one_departement():
    a = profile(title="Forum ESS & emploi du Pays de Brest", city="Brest", department="29")
    b = profile("national", title="Forum ESS et emploi – Pays de Quimper", city="Quimper", department="29")
    assert not compare(a, b).same


def test_same_openagenda_uid_is_one_event_whatever_the_titles():
    a = profile("national", title="RDV des acteurs ESS", raw={"uid": 70988134})
    b = profile("national", title="Le Rendez-vous de l'ESS bretonne", raw={"uid": 70988134}, key="other")
    b = build_profile(_listing_of(b, source_id=9), Source(id=9, name="oa-bzh", kind="openagenda", url="u"))
    assert compare(a, b).same


def _listing_of(p: Profile, source_id: int) -> Listing:
    return Listing(
        id=p.id,
        source_id=source_id,
        key=p.key,
        title=p.title_text,
        start=p.timings[0].start,
        end=None,
        all_day=False,
        timezone="Europe/Paris",
        city="Dijon",
        department="21",
        region="Bourgogne-Franche-Comté",
        online=False,
        removed=False,
        raw={"uid": 70988134},
        first_seen=p.first_seen,
    )


def test_a_post_linking_to_the_event_page_is_that_event():
    a = profile(title="La tempête de l'ESS", url="https://adess29.fr/evenement/tempete/")
    b = profile(
        "news",
        title="Save the date ! Tout le Pays de Brest se mobilise",
        description="Programme : https://adess29.fr/evenement/tempete",
        start=datetime(2026, 11, 26, tzinfo=PARIS),
        all_day=True,
    )
    assert compare(a, b).same


def test_proper_names_that_differ_tell_events_apart():
    a = profile(title="Repair Café de la Guillotière", city="Lyon", department="69")
    b = profile("national", title="Repair café Croix-Rousse", city="Lyon", department="69")
    assert not compare(a, b).same


def test_acronyms_and_abbreviations():
    a = profile(title="Soirée de lancement du Générateur BFC", start=at(18))
    b = profile("national", title="Lancement du Générateur Bourgogne-Franche-Comté", start=at(18))
    assert compare(a, b).same
    c = profile(title="AG URSCOP IDF", start=at(17))
    d = profile("national", title="Assemblée générale de l'URSCOP Île-de-France", start=at(17))
    assert compare(c, d).same


def test_text_helpers():
    assert stem("ateliers") == "atelier" and stem("sociaux") == "social" and stem("mois") == "mois"
    assert numbering("Les 3èmes rencontres de l'ESS") == {("edition", 3)}
    assert numbering("Prix remis le 1er décembre") == frozenset()
    assert numbering_conflicts(frozenset({("edition", 2)}), frozenset({("edition", 3)}))
    assert not numbering_conflicts(frozenset({("edition", 2)}), frozenset())
    weights = weighted_words("Atelier CV : postuler dans l'ESS à Dijon", ["dijon"], ["cv"])
    assert weights["cv"] == 1.0 and weights["atelier"] < 0.5 and weights["dijon"] < 0.5
    assert weights["dans"] == 0
    names, upper = capitalized("Repair café Croix-Rousse : venez avec vos objets")
    assert names == ["croix", "rousse"] and upper == []


def test_urls():
    assert canonical_url("https://www.Example.org/agenda/fete/?utm_source=x#top") == "example.org/agenda/fete"
    assert canonical_url("https://example.org/") is None  # a home page names no event
    assert linked_urls("Inscription : https://site.fr/evt/12.", {"links": ["http://a.fr/b"]}) == {
        "site.fr/evt/12",
        "a.fr/b",
    }
    assert openagenda_uid("openagenda", {"uid": 12}) == "12"
    assert openagenda_uid("ical", {"uid": "abc@x"}) is None


def test_complete_link_never_chains_look_alikes():
    # a~b and b~c strongly, a and c incompatible: b joins one of them, never both
    scores = {(1, 2): 1.0, (2, 3): 0.9, (1, 3): None}

    def linkage(x: int, y: int) -> float | None:
        return scores[(min(x, y), max(x, y))]

    near = [(1, 2), (2, 3)]
    clusters = complete_link([[1], [2], [3]], linkage, lambda i: (str(i),), SAME_EVENT, COMPATIBLE, near)
    assert clusters == [[1, 2], [3]]


def test_news_posts_are_recognized_whatever_kind_crawled_them():
    assert is_news("rss", {})
    assert is_news("auto", {"link": "https://x/actu", "published": "2026-11-02", "summary": ""})
    assert not is_news("auto", {"uid": "20000400-cress-reunion@cress-reunion.re"})
    assert not is_news("openagenda", {"uid": 71011245, "originAgenda": {"uid": 48213457}})


def test_a_commune_centre_is_no_place_to_measure_from():
    from aggregator.normalize.geography import geography

    lat, lon = geography().centre("21231")  # Dijon
    centre = profile(insee="21231", lat=lat, lon=lon)
    assert (centre.lat, centre.lon) == (None, None)
    own = profile(insee="21231", lat=47.3220, lon=5.0415)
    assert (own.lat, own.lon) == (47.3220, 5.0415)


def test_a_source_s_own_coordinates_win_over_a_commune_centre():
    from aggregator.dedup.merge import Member, canonical_fields
    from aggregator.normalize.geography import geography

    lat, lon = geography().centre("21231")

    def member(source: str, **columns: Any) -> Member:
        built = profile(source, **columns)
        listing = Listing(
            id=built.id,
            source_id=SOURCES[source].id,
            key=built.key,
            title="Atelier",
            start=at(14),
            all_day=False,
            timezone="Europe/Paris",
            city="Dijon",
            department="21",
            region="Bourgogne-Franche-Comté",
            online=False,
            removed=False,
            raw={},
            first_seen=datetime(2026, 1, 1, tzinfo=UTC),
            changed_at=datetime(2026, 1, 1, tzinfo=UTC),
            missed_crawls=0,
            **columns,
        )
        listing.source = SOURCES[source]
        return Member(listing, built)

    # The organizer's source speaks first but only knows the commune; the other gives the spot.
    fields = canonical_fields(
        [
            member("organizer", insee="21231", postcode="21000", address="2 rue Musette", lat=lat, lon=lon),
            member("national", insee="21231", postcode="21000", lat=47.3220, lon=5.0415),
        ],
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert (fields["address"], fields["lat"], fields["lon"]) == ("2 rue Musette", 47.3220, 5.0415)
