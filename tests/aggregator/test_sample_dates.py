"""The sample sites moved to another week: every format moves alike, weekdays stay right."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import icalendar
import pytest

from aggregator.sample_dates import FRENCH_MONTHS, DateShifter, week_shift
from aggregator.samples.serve import TYPES
from aggregator.samples_server import EXPECTED_FILE, SITES, samples_today

ANCHOR = date(2026, 11, 23)
TWO_YEARS = DateShifter(728, ANCHOR)
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FULL_FRENCH_DATE = re.compile(
    r"\b(" + "|".join(WEEKDAYS) + r")\s+(\d{1,2})(?:er)?\s+(" + "|".join(FRENCH_MONTHS) + r")\s+(20\d\d)",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("text", "moved"),
    [
        ("Mardi 1er décembre 2026, 14:00", "Mardi 28 novembre 2028, 14:00"),
        ("samedi 2 et dimanche 3 novembre", "samedi 30 et dimanche 31 octobre"),
        ("le samedi 2 et le dimanche 3 novembre", "le samedi 30 et le dimanche 31 octobre"),
        ("du 9 au 11 novembre", "du 6 au 8 novembre"),
        ("14h00-18h00 28 NOVEMBRE 2024", "14h00-18h00 26 NOVEMBRE 2026"),
        ("Tue, 27 Oct 2026 10:00:00 +0100", "Tue, 24 Oct 2028 10:00:00 +0100"),
        ('"2026-11-28T09:00:00+01:00"', '"2028-11-25T09:00:00+01:00"'),
        ("Mois de l'ESS 2026", "Mois de l'ESS 2028"),
        ("https://x.fr/2016/03/15/3-4-juin-2016-save", "https://x.fr/2016/03/15/3-4-juin-2016-save"),
    ],
)
def test_each_format_moves_by_the_same_days(text, moved):
    assert TWO_YEARS.text(text) == moved


def test_a_french_offset_is_recomputed_so_the_local_time_stays():
    into_summer = DateShifter(7 * 20, ANCHOR)  # 23 November → 12 April
    assert into_summer.text("2026-11-23T14:00:00+01:00") == "2027-04-12T14:00:00+02:00"
    assert into_summer.text("2026-11-23T14:00:00-04:00") == "2027-04-12T14:00:00-04:00"


def test_a_range_split_by_a_month_end_names_both_months():
    assert DateShifter(7, ANCHOR).text("les 25 et 26 novembre") == "les 2 et 3 décembre"
    assert DateShifter(7, ANCHOR).text("les 23 et 24 novembre") == "les 30 novembre et 1er décembre"


def test_only_whole_weeks_are_allowed():
    with pytest.raises(ValueError, match="weekday"):
        DateShifter(3, ANCHOR)


@pytest.mark.parametrize(("today", "days"), [(ANCHOR, 0), (date(2026, 11, 26), 0), (date(2026, 11, 27), 7)])
def test_the_shift_is_the_nearest_whole_week(today, days):
    assert week_shift(today, ANCHOR) == days


def _sample_files():
    return sorted(path for path in SITES.rglob("*") if path.is_file())


def test_no_shift_serves_every_sample_byte_for_byte():
    still = DateShifter(0, samples_today())
    for path in _sample_files():
        data = path.read_bytes()
        assert still.document(data, TYPES.get(path.suffix, "")) == data


def test_every_moved_sample_still_parses_and_names_its_weekdays_right():
    moved_weeks = DateShifter(7 * 137, samples_today())
    for path in _sample_files():
        body = moved_weeks.document(path.read_bytes(), TYPES.get(path.suffix, ""))
        if path.suffix == ".json":
            json.loads(body)
        elif path.suffix == ".ics":
            icalendar.Calendar.from_ical(body)
        for weekday, day, month, year in FULL_FRENCH_DATE.findall(body.decode("utf-8", "replace")):
            named = date(int(year), FRENCH_MONTHS.index(month.lower()) + 1, int(day))
            assert WEEKDAYS[named.weekday()] == weekday.lower(), f"{path}: {weekday} {day} {month} {year}"


def _upcoming(today: date) -> int:
    """Expected events still to come on ``today`` once the samples are moved to its week."""
    expected = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))["events"]
    days = week_shift(today, samples_today())
    return sum(date.fromisoformat(e["start"][:10]) + timedelta(days=days) > today for e in expected)


def test_every_day_from_2026_to_2030_has_a_lively_demo():
    day, fewest = date(2026, 1, 1), None
    while day <= date(2030, 12, 31):
        fewest = min(fewest or 10**6, _upcoming(day))
        day += timedelta(days=1)
    assert fewest is not None and fewest >= 20
