"""Disagreeing times and places: whose value an event takes and why; no database."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.dedup.disagreements import PLACE, TIMES, disagreements
from aggregator.dedup.merge import (
    AGENDA,
    DECLARED,
    MAJORITY,
    ORDER,
    OWN,
    SPECIFIC,
    Member,
    canonical_fields,
    place_choice,
    time_choice,
)
from aggregator.dedup.precedence import COPY, NATIONAL, ORGANIZER, REGIONAL, Role, listing_role
from aggregator.dedup.profile import build_profile
from aggregator.models import Listing, Source

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 11, tzinfo=UTC)
_ids = count(1)


def source(name: str, kind: str = "html", url: str = "", title: str = "", **options: Any) -> Source:
    return Source(
        id=next(_ids),
        name=name,
        title=title,
        kind=kind,
        url=url or f"https://{name}.example/agenda",
        options=options,
    )


PARTNER = source(
    "recyclerie", title="Recyclerie du Port – agenda", url="https://www.recyclerie-du-port.fr/agenda"
)
RESEAU = source("reseau")
ANNUAIRE = source("annuaire")
PORTAIL = source("portail")
NEWS = source("recyclerie-actus", kind="rss", url="https://recyclerie-du-port.fr/feed")
OPENAGENDA = source("oa", kind="openagenda", url="https://api.openagenda.com/v2/agendas/1/events")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=PARIS)


def member(origin: Source, **columns: Any) -> Member:
    """A listing of the repair workshop of 5 December as ``origin`` gives it."""
    identifier = next(_ids)
    values: dict[str, Any] = {
        "key": f"{origin.name}-{identifier}",
        "title": "Atelier réparation",
        "start": at(14),
        "end": None,
        "all_day": False,
        "timezone": "Europe/Paris",
        "url": "https://recyclerie-du-port.fr/atelier",  # aggregators link to the organizer's page
        "city": "Dijon",
        "postcode": "21000",
        "department": "21",
        "region": "Bourgogne-Franche-Comté",
        "online": False,
        "removed": False,
        "raw": {},
        "first_seen": NOW,
        "changed_at": NOW,
        "missed_crawls": 0,
        "status": "confirmed",
    }
    values.update(columns)
    listing = Listing(id=identifier, source_id=origin.id, **values)
    listing.source = origin
    return Member(listing, build_profile(listing, origin))


def own_page(**columns: Any) -> Member:
    return member(PARTNER, **columns)


def test_a_listing_on_the_source_s_own_site_is_the_organizer_s():
    assert own_page().profile.role == Role(ORGANIZER, declared=False)
    sub_domain = member(PARTNER, url="https://agenda.recyclerie-du-port.fr/atelier")
    assert sub_domain.profile.role.name == ORGANIZER  # same registrable domain
    elsewhere = member(PARTNER, url="https://reseau.example/evenement/atelier")
    assert elsewhere.profile.role == Role(COPY, declared=False)
    assert member(RESEAU).profile.role.name == COPY  # the organizer's page
    on_its_site = member(RESEAU, url="https://reseau.example/evenement/atelier")
    assert on_its_site.profile.role.name == ORGANIZER  # a network says what it is by declaring it


def test_a_listing_naming_the_source_as_organizer_or_place_is_the_organizer_s():
    for columns in ({"organizer": "Recyclerie du port"}, {"location_name": "RECYCLERIE DU PORT"}):
        assert member(PARTNER, url=None, **columns).profile.role.name == ORGANIZER
    by_name = member(source("pes21"), url=None, organizer="PES 21")
    assert by_name.profile.role.name == ORGANIZER
    assert member(PARTNER, url=None, organizer="Recyclerie d'en face").profile.role.name == COPY


def test_an_openagenda_page_says_nothing_of_whose_the_event_is():
    page = member(OPENAGENDA, url="https://openagenda.com/agenda-ess/events/atelier")
    assert page.profile.role == Role(COPY, declared=False)
    own = source("cress", kind="openagenda", title="CRESS Bourgogne", url=OPENAGENDA.url)
    assert member(own, url=None, organizer="Cress Bourgogne").profile.role.name == ORGANIZER


def test_a_declared_role_is_never_second_guessed():
    declared = source("recyclerie-oa", url=PARTNER.url, role="national")
    listing = Listing(url="https://recyclerie-du-port.fr/atelier", organizer="Recyclerie du Port")
    assert listing_role(declared, listing) == Role(NATIONAL, declared=True)
    assert listing_role(source("x", role="Regional"), listing) == Role(REGIONAL, declared=True)
    assert listing_role(source("y", role="copy"), listing).declared is False  # not a role to declare


def test_the_organizer_s_own_time_wins_over_the_majority():
    own = own_page(start=at(14))
    copies = [member(RESEAU, start=at(14, 30)), member(ANNUAIRE, start=at(14, 30))]
    choice = time_choice([*copies, own])
    assert (choice.chosen, choice.reason) == (own, OWN)
    assert canonical_fields([*copies, own], NOW)["start"] == at(14)


def test_without_the_organizer_the_time_most_sources_give_wins():
    lone = member(PORTAIL, start=at(14), end=at(17))  # more specific, but alone
    agreeing = [member(RESEAU, start=at(14, 30)), member(ANNUAIRE, start=at(14, 30), end=at(16))]
    choice = time_choice([lone, *agreeing])
    assert choice.reason == MAJORITY and choice.chosen.listing.start == at(14, 30)
    fields = canonical_fields([lone, *agreeing], NOW)
    assert (fields["start"], fields["end"]) == (at(14, 30), at(16))  # the end a source agreeing gave


def test_then_the_most_specific_time_wins():
    whole_day = member(RESEAU, start=at(0), all_day=True)
    timed = member(ANNUAIRE, start=at(14, 30))
    choice = time_choice([whole_day, timed])
    assert (choice.chosen, choice.reason) == (timed, SPECIFIC)
    with_end = member(PORTAIL, start=at(14), end=at(17))
    assert time_choice([timed, with_end]).chosen == with_end  # a known end is more specific


def test_two_copies_alike_in_everything_fall_back_on_the_sources_order():
    choice = time_choice([member(RESEAU, start=at(14, 30)), member(ANNUAIRE, start=at(14))])
    assert (choice.chosen.profile.source_name, choice.reason) == ("annuaire", ORDER)


def test_a_declared_regional_network_speaks_before_undeclared_copies():
    network = member(source("cress-bfc", role="regional"), start=at(15))
    copies = [member(RESEAU, start=at(14, 30)), member(ANNUAIRE, start=at(14, 30))]
    choice = time_choice([*copies, network])
    assert (choice.chosen, choice.reason) == (network, DECLARED)
    own = own_page(start=at(14))
    assert time_choice([network, own]).chosen == own  # the organizer's own before a network


def test_an_agenda_entry_speaks_before_the_organizer_s_news_post():
    post = member(NEWS, url="https://recyclerie-du-port.fr/2026/11/atelier", start=at(0), all_day=True)
    assert post.profile.role.name == ORGANIZER and post.profile.news
    entry = member(RESEAU, start=at(14, 30))
    assert time_choice([post, entry]).reason == AGENDA


def test_the_organizer_s_place_wins_then_the_majority_then_the_most_specific():
    chenove = {"city": "Chenôve", "postcode": "21300", "address": "3 rue des Tanneurs"}
    own = own_page(**chenove)
    dijon = [member(RESEAU), member(ANNUAIRE, location_name="Maison des associations")]
    choice = place_choice([*dijon, own])
    assert choice is not None and (choice.chosen, choice.reason) == (own, OWN)
    assert canonical_fields([*dijon, own], NOW)["address"] == "3 rue des Tanneurs"

    copied = member(PORTAIL, **chenove)  # the most specific, but one source against two
    choice = place_choice([*dijon, copied])
    assert choice is not None and choice.reason == MAJORITY
    fields = canonical_fields([*dijon, copied], NOW)
    assert (fields["city"], fields["location_name"]) == ("Dijon", "Maison des associations")

    choice = place_choice([member(RESEAU), copied])
    assert choice is not None and (choice.chosen, choice.reason) == (copied, SPECIFIC)


def test_places_named_without_city_or_postcode_choose_without_failing():
    # Two listings of one source placed by a room name alone: neither agrees with the other, nor
    # with itself by city or postcode; the chosen one is still not its own rival.
    unplaced = {"city": None, "postcode": None, "department": None, "region": None}
    room = member(RESEAU, location_name="Salle du conseil", **unplaced)
    hall = member(RESEAU, location_name="Grande salle", **unplaced)
    choice = place_choice([room, hall])
    assert choice is not None and choice.rivals == (choice.candidates[1],)
    assert choice.reason == ORDER
    assert canonical_fields([room], NOW)["location_name"] == "Salle du conseil"


def test_values_that_agree_are_no_disagreement():
    precise = member(RESEAU, start=at(14), end=at(17), address="2 rue Musette")
    same = member(ANNUAIRE, start=at(14), postcode=None)  # no end, no postcode: nothing said otherwise
    assert time_choice([precise, same]).reason is None
    assert disagreements([precise, same]) == []


def test_each_disagreement_lists_every_source_s_value_and_the_one_chosen():
    own = own_page(start=at(14), address="3 rue des Tanneurs")
    late = member(RESEAU, start=at(14, 30))
    whole_day = member(ANNUAIRE, start=at(0), all_day=True, city="Chenôve", postcode="21300")
    removed = member(PORTAIL, start=at(16), removed=True)  # its source no longer shows it
    found = {d.group: d for d in disagreements([late, whole_day, own, removed])}
    assert set(found) == {TIMES, PLACE}
    times = found[TIMES]
    assert times.reason == OWN
    assert [(v.source_name, v.chosen, v.agrees) for v in times.voices] == [
        ("recyclerie", True, True),
        ("reseau", False, False),
        ("annuaire", False, False),
    ]
    assert times.voices[0].role == Role(ORGANIZER, declared=False)
    place = found[PLACE]
    assert place.reason == OWN
    assert [(v.source_name, v.agrees) for v in place.voices] == [
        ("recyclerie", True),
        ("reseau", True),
        ("annuaire", False),
    ]
