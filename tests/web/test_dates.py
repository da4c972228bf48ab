"""Dates and hours the way French (and English) readers write them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from aggregator.models import Event
from tests.web.factories import at
from web.dates import clock, date_range, day_label, time_range, when


def plain(text):
    return text.replace("\xa0", " ")


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context("/"):
        yield


def test_days():
    assert plain(day_label(date(2026, 11, 26))) == "jeudi 26 novembre 2026"
    assert plain(day_label(date(2026, 12, 1))) == "mardi 1er décembre 2026"
    assert plain(day_label(date(2026, 11, 26), "en")) == "Thursday 26 November 2026"


@pytest.mark.parametrize(
    ("first", "last", "french", "english"),
    [
        (
            date(2026, 12, 1),
            date(2026, 12, 4),
            "du mardi 1er au vendredi 4 décembre 2026",
            "from Tuesday 1 to Friday 4 December 2026",
        ),
        (
            date(2026, 11, 30),
            date(2026, 12, 2),
            "du lundi 30 novembre au mercredi 2 décembre 2026",
            "from Monday 30 November to Wednesday 2 December 2026",
        ),
        (
            date(2026, 12, 31),
            date(2027, 1, 1),
            "du jeudi 31 décembre 2026 au vendredi 1er janvier 2027",
            "from Thursday 31 December 2026 to Friday 1 January 2027",
        ),
        (date(2026, 11, 26), date(2026, 11, 26), "jeudi 26 novembre 2026", "Thursday 26 November 2026"),
    ],
)
def test_date_ranges(first, last, french, english):
    assert plain(date_range(first, last, "fr")) == french
    assert plain(date_range(first, last, "en")) == english


def test_hours():
    assert plain(time_range(time(14), time(18), "fr")) == "de 14 h à 18 h"
    assert plain(time_range(time(14, 30), time(18), "fr")) == "de 14 h 30 à 18 h"
    assert plain(time_range(time(9, 5), None, "fr")) == "à 9 h 05"
    assert plain(time_range(time(14), time(18, 30), "en")) == "from 2 PM to 6:30 PM"
    assert plain(clock(time(0), "fr")) == "0 h"


def test_whole_phrases_for_events():
    timed = Event(
        title="t",
        start=at(date(2026, 11, 26), 14),
        end=at(date(2026, 11, 26), 18),
        all_day=False,
        timezone="Europe/Paris",
    )
    assert plain(when(timed, "fr")) == "jeudi 26 novembre 2026, de 14 h à 18 h"
    all_days = Event(
        title="t",
        start=at(date(2026, 12, 1)),
        end=at(date(2026, 12, 4)),
        all_day=True,
        timezone="Europe/Paris",
    )
    assert plain(when(all_days, "fr")) == "du mardi 1er au vendredi 4 décembre 2026"
    overseas = Event(
        title="t",
        start=datetime(2026, 11, 28, 5, tzinfo=UTC),
        end=None,
        all_day=False,
        timezone="Indian/Reunion",
    )
    assert plain(when(overseas, "fr")) == "samedi 28 novembre 2026, à 9 h (heure : La Réunion)"


def test_no_day_or_time_breaks_across_lines():
    assert clock(time(17, 30), "fr") == "17\xa0h\xa030"
    assert clock(time(17, 30), "en") == "5:30\xa0PM"
    assert day_label(date(2026, 11, 26)) == "jeudi\xa026\xa0novembre\xa02026"
    # A phrase may break between its days and hours, never inside one.
    assert (
        date_range(date(2026, 12, 1), date(2026, 12, 4), "fr")
        == "du mardi\xa01er au vendredi\xa04\xa0décembre\xa02026"
    )
    assert time_range(time(14), time(18, 30), "fr") == "de 14\xa0h à 18\xa0h\xa030"
