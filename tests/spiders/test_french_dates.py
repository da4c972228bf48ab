"""The French date and time grammar: a table of phrases as ESS newsletters and agendas write them."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from spiders.extract.french_dates import When, find_dates, find_times, parse_field_dates, parse_when

# (publication or reference date, phrase, start, end): a start with a time is not all-day.
PHRASES = [
    ("2026-11-02", "le 14 novembre", "2026-11-14", "2026-11-14"),
    ("2026-11-02", "du 5 au 7 novembre", "2026-11-05", "2026-11-07"),
    ("2026-11-02", "du 30 novembre au 2 décembre", "2026-11-30", "2026-12-02"),
    ("2026-03-10", "les 3 et 4 juin", "2026-06-03", "2026-06-04"),
    ("2016-03-15", "3-4 juin 2016", "2016-06-03", "2016-06-04"),
    ("2016-03-15", "vendredi 3 et samedi 4 juin prochain", "2016-06-03", "2016-06-04"),
    ("2026-11-09", "mardi 1er décembre, 9h30-12h", "2026-12-01T09:30", "2026-12-01T12:00"),
    ("2026-11-23", "le 15/12 à 18h30", "2026-12-15T18:30", None),
    ("2026-11-09", "Rendez-vous le 20 novembre de 14h à 18h", "2026-11-20T14:00", "2026-11-20T18:00"),
    ("2026-11-09", "le 20 novembre, 14h00-18h00", "2026-11-20T14:00", "2026-11-20T18:00"),
    ("2026-11-09", "jeudi 19 novembre, 14 h – 17 h", "2026-11-19T14:00", "2026-11-19T17:00"),
    ("2026-11-23", "samedi prochain", "2026-11-28", "2026-11-28"),
    ("2026-11-23", "jeudi 26/11", "2026-11-26", "2026-11-26"),
    ("2024-11-12", "jeudi 28/11", "2024-11-28", "2024-11-28"),
    ("2026-09-01", "le 3 sept. à 18h", "2026-09-03T18:00", None),
    ("2026-11-23", "le 3 déc. de 9h à 12h30", "2026-12-03T09:00", "2026-12-03T12:30"),
    ("2026-11-02", "le jeudi 26 novembre à Saint-Brieuc", "2026-11-26", "2026-11-26"),
    ("2019-10-15", "le 14 novembre à Logonna-Daoulas (29)", "2019-11-14", "2019-11-14"),
    (
        "2019-10-22",
        "Il aura lieu cette année le vendredi 6 décembre, de 9h30 à 16h30, au centre EcoTri",
        "2019-12-06T09:30",
        "2019-12-06T16:30",
    ),
    (
        "2019-10-10",
        "le samedi 2 et le dimanche 3 novembre au Couvent des Jacobins",
        "2019-11-02",
        "2019-11-03",
    ),
    (
        "2019-10-18",
        "La venue des Québécois est prévue du 5 au 7 novembre à Rennes (35)",
        "2019-11-05",
        "2019-11-07",
    ),
    (
        "2024-11-12",
        "Il aura lieu le jeudi 28 novembre de 14h à 18h au CESAM",
        "2024-11-28T14:00",
        "2024-11-28T18:00",
    ),
    (
        "2024-12-10",
        "14h00-18h00 – 28 NOVEMBRE 2024 – ATELIER ET FORUM",
        "2024-11-28T14:00",
        "2024-11-28T18:00",
    ),
    (
        "2026-11-05",
        "Rendez-vous le jeudi 26 novembre, de 14h à 18h, à l'Espace Co-Hop",
        "2026-11-26T14:00",
        "2026-11-26T18:00",
    ),
    (
        "2026-11-09",
        "Le prix régional de l'ESS sera remis le mardi 1er décembre, de 18h à 20h, à l'Hôtel de Région",
        "2026-12-01T18:00",
        "2026-12-01T20:00",
    ),
    ("2016-10-03", "le 28 Septembre dernier au cinéma le REX à Crozon", "2016-09-28", "2016-09-28"),
    ("2016-10-03", "le 4 Juillet dernier", "2016-07-04", "2016-07-04"),
    ("2026-11-23", "le 5 décembre à partir de 18h", "2026-12-05T18:00", None),
    ("2026-11-23", "Soirée de lancement le vendredi 4 décembre à 19h", "2026-12-04T19:00", None),
    ("2026-11-23", "samedi 5 décembre dès 10h", "2026-12-05T10:00", None),
    ("2026-11-23", "le 12 décembre 2026", "2026-12-12", "2026-12-12"),
    ("2026-11-23", "Le 12/12/2026 à 9h", "2026-12-12T09:00", None),
    ("2026-11-23", "le 12.12.2026", "2026-12-12", "2026-12-12"),
    ("2026-11-23", "du 14 au 18 décembre 2026", "2026-12-14", "2026-12-18"),
    ("2026-11-23", "du lundi 14 au vendredi 18 décembre", "2026-12-14", "2026-12-18"),
    ("2026-11-23", "du 28 décembre au 3 janvier", "2026-12-28", "2027-01-03"),
    ("2026-11-23", "du 28 décembre 2026 au 3 janvier 2027", "2026-12-28", "2027-01-03"),
    ("2026-11-23", "les 8, 9 et 10 décembre", "2026-12-08", "2026-12-10"),
    ("2026-11-23", "les mardi 8 et mercredi 9 décembre", "2026-12-08", "2026-12-09"),
    ("2026-11-23", "le mercredi 9 décembre de 9h à midi", "2026-12-09T09:00", "2026-12-09T12:00"),
    ("2026-11-23", "le 9 décembre de 12h à 14h (pause déjeuner)", "2026-12-09T12:00", "2026-12-09T14:00"),
    ("2026-11-23", "le jeudi 10 décembre 2026 de 18 h 30 à 20 h 30", "2026-12-10T18:30", "2026-12-10T20:30"),
    ("2026-11-23", "le 10 décembre entre 14h et 16h", "2026-12-10T14:00", "2026-12-10T16:00"),
    ("2026-11-23", "10 décembre 2026 – 14:00 – 17:30", "2026-12-10T14:00", "2026-12-10T17:30"),
    ("2026-11-23", "le 1er décembre", "2026-12-01", "2026-12-01"),
    ("2026-11-23", "le 1ᵉʳ décembre à 9h", "2026-12-01T09:00", None),
    ("2026-11-23", "le 2 janvier 2027 à 17h", "2027-01-02T17:00", None),
    ("2026-11-23", "le 15 janvier", "2027-01-15", "2027-01-15"),
    ("2026-11-23", "le 2 février 2027", "2027-02-02", "2027-02-02"),
    ("2026-11-23", "le 14 févr. 2027", "2027-02-14", "2027-02-14"),
    ("2026-11-23", "mardi 2 mars 2027 à 14h", "2027-03-02T14:00", None),
    ("2026-11-23", "le 7 avr. 2027", "2027-04-07", "2027-04-07"),
    ("2026-11-23", "le 20 mai", "2027-05-20", "2027-05-20"),
    ("2026-11-23", "le 3 juil. 2027", "2027-07-03", "2027-07-03"),
    ("2026-11-23", "le samedi 21 août 2027", "2027-08-21", "2027-08-21"),
    ("2026-11-23", "le 18 aout 2027", "2027-08-18", "2027-08-18"),
    ("2026-11-23", "le 30 sept. 2027", "2027-09-30", "2027-09-30"),
    ("2026-11-23", "du 5 au 7 oct. 2027", "2027-10-05", "2027-10-07"),
    ("2026-11-23", "le 4 nov. 2027", "2027-11-04", "2027-11-04"),
    ("2026-11-23", "du 30 novembre au 2 décembre 2026 à Lyon", "2026-11-30", "2026-12-02"),
    ("2026-11-23", "3 – 4 décembre 2026", "2026-12-03", "2026-12-04"),
    ("2026-11-23", "3 au 5 décembre", "2026-12-03", "2026-12-05"),
    ("2026-11-23", "Vendredi 4 décembre 2026", "2026-12-04", "2026-12-04"),
    ("2026-11-23", "VENDREDI 4 DÉCEMBRE", "2026-12-04", "2026-12-04"),
    ("2026-11-23", "vendredi 4 decembre 2026", "2026-12-04", "2026-12-04"),
    ("2026-11-23", "le vendredi 4 décembre 2026 à 18h30", "2026-12-04T18:30", None),
    (
        "2026-11-23",
        "Le forum aura lieu le samedi 5 décembre 2026 de 10h à 17h à Brest.",
        "2026-12-05T10:00",
        "2026-12-05T17:00",
    ),
    (
        "2026-11-23",
        "jeudi 3 décembre, 9h00 - 12h30, salle Jean Bouhey, 21000 Dijon",
        "2026-12-03T09:00",
        "2026-12-03T12:30",
    ),
    ("2026-11-23", "Save the date : 17 décembre 2026, 18h", "2026-12-17T18:00", None),
    ("2026-11-23", "ce samedi", "2026-11-28", "2026-11-28"),
    ("2026-11-23", "mercredi prochain", "2026-11-25", "2026-11-25"),
    ("2026-11-23", "vendredi prochain à 18h", "2026-11-27T18:00", None),
    ("2026-11-23", "le 24/11 de 9h à 12h30", "2026-11-24T09:00", "2026-11-24T12:30"),
    ("2026-11-23", "les 10 et 11 décembre à Rennes", "2026-12-10", "2026-12-11"),
    ("2026-11-23", "les 10 et 11/12", "2026-12-10", "2026-12-11"),
    ("2026-11-23", "du 10/12 au 12/12", "2026-12-10", "2026-12-12"),
    ("2026-11-23", "les 30 novembre et 1er décembre", "2026-11-30", "2026-12-01"),
    ("2026-11-23", "jeudi 26 novembre 2026, de 9h30 à 17h", "2026-11-26T09:30", "2026-11-26T17:00"),
    (
        "2026-11-23",
        "le 26 novembre de 9h30 à 17h, puis le soir à 19h",
        "2026-11-26T09:30",
        "2026-11-26T17:00",
    ),
    ("2026-11-23", "le 27 novembre, 18h-22h", "2026-11-27T18:00", "2026-11-27T22:00"),
    ("2026-11-23", "le samedi 12 décembre de 20h à 1h", "2026-12-12T20:00", "2026-12-13T01:00"),
    (
        "2026-11-23",
        "le 2 décembre de 8h30 à 10h30 (accueil café dès 8h15)",
        "2026-12-02T08:30",
        "2026-12-02T10:30",
    ),
    ("2026-11-23", "le 15 décembre 2026 de 14 heures à 17 heures", "2026-12-15T14:00", "2026-12-15T17:00"),
    ("2026-11-23", "le 8 décembre à 18 heures", "2026-12-08T18:00", None),
    ("2026-11-23", "le 8 décembre à 18 heures 30", "2026-12-08T18:30", None),
    ("2027-05-10", "le mardi 8 juin", "2027-06-08", "2027-06-08"),
    ("2027-05-10", "les 19 et 20 juin prochains", "2027-06-19", "2027-06-20"),
    ("2026-11-23", "le 31 décembre", "2026-12-31", "2026-12-31"),
    ("2026-11-23", "le 31/12 à 20h", "2026-12-31T20:00", None),
    ("2026-01-05", "le 29 février 2028", "2028-02-29", "2028-02-29"),
    ("2025-01-10", "le 1er mars", "2025-03-01", "2025-03-01"),
]

# Agenda fields (date, time) as HTML agendas lay them out, read against 2026-11-10.
FIELDS = [
    ("NOV. 18", "", "2026-11-18", "2026-11-18"),
    ("18 | NOV.", "14h00 - 17h00", "2026-11-18T14:00", "2026-11-18T17:00"),
    ("NOV.\n25", "18h30", "2026-11-25T18:30", None),
    ("FÉV. 03", "14h00 – 16h00", "2027-02-03T14:00", "2027-02-03T16:00"),
    ("12 | JANV.", "9h30 – 12h", "2027-01-12T09:30", "2027-01-12T12:00"),
    ("jeudi 3/12", "", "2026-12-03", "2026-12-03"),
    ("samedi 28/11", "10h-16h", "2026-11-28T10:00", "2026-11-28T16:00"),
    ("2027-02-03", "14h00 – 16h00", "2027-02-03T14:00", "2027-02-03T16:00"),
    ("2017-11-30", "18h30", "2017-11-30T18:30", None),
    ("2017-11-18", "", "2017-11-18", "2017-11-18"),
    ("samedi 28 novembre 2026 – 10h00 – 16h00", "", "2026-11-28T10:00", "2026-11-28T16:00"),
    ("28/11/2026", "de 9h à 12h", "2026-11-28T09:00", "2026-11-28T12:00"),
    ("November 28, 2026", "", "2026-11-28", "2026-11-28"),
]

# No event date here: no day, impossible days, contradicting weekdays, numbers that are not dates.
REJECTED = [
    ("2026-11-23", "Web-conférence de 3/4 d'heure"),
    ("2026-11-23", "le 31 février 2027"),
    ("2026-11-23", "le 32 décembre"),
    ("2026-11-23", "le 15/13 à 18h"),
    ("2026-11-23", "samedi 3 décembre 2026"),
    ("2026-11-23", "mardi 3 juin prochain"),
    ("2019-10-29", "une étude de marché menée de janvier à avril 2019"),
    ("2026-11-23", "Prise de poste souhaitée en janvier 2027"),
    ("2016-04-20", "Tel. : 07.82.42.84.42"),
    ("2016-10-14", "http://www.cotebrest.fr/2016/10/12/lieu-dit-la-cooperation"),
    ("2026-11-02", "Plus de 250 manifestations sont prévues pendant le mois de novembre"),
    ("2026-11-02", "Temps fort de cette 19e édition"),
    ("2026-11-16", "14,1 % de l'emploi privé breton, soit près de 150 000 salarié·es"),
    ("2019-10-07", "Démarche régionale qualité de l'emploi 2019-2020"),
    ("2026-11-23", "en novembre 18 structures ont adhéré"),
    ("2026-11-23", "Cet atelier durera 1h30"),
    ("2026-11-23", "Vendredi soir : temps convivial de rencontre"),
    ("2026-11-23", "Préparons collectivement les Municipales de 2020"),
]

TIMES = [
    ("de 14h à 18h", time(14), time(18)),
    ("14h00-18h00", time(14), time(18)),
    ("14 h – 17 h", time(14), time(17)),
    ("9h30-12h", time(9, 30), time(12)),
    ("à partir de 18h", time(18), None),
    ("dès 8h15", time(8, 15), None),
    ("18h30", time(18, 30), None),
    ("de 9h à midi", time(9), time(12)),
    ("14:00 - 17:30", time(14), time(17, 30)),
    ("de 22h à 2h", time(22), time(2)),
    ("entre 12h et 14h", time(12), time(14)),
]


def _moment(value: str | None) -> date | datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def _expected(start: str, end: str | None) -> When:
    return When(_moment(start), _moment(end), all_day="T" not in start)  # type: ignore[arg-type]


def test_the_table_is_large_enough() -> None:
    assert len(PHRASES) + len(FIELDS) >= 80
    assert len({phrase for _, phrase, *_ in PHRASES}) == len(PHRASES)


@pytest.mark.parametrize(("reference", "phrase", "start", "end"), PHRASES)
def test_phrase(reference: str, phrase: str, start: str, end: str | None) -> None:
    assert parse_when(phrase, date.fromisoformat(reference)) == _expected(start, end)


@pytest.mark.parametrize(("date_text", "time_text", "start", "end"), FIELDS)
def test_agenda_fields(date_text: str, time_text: str, start: str, end: str | None) -> None:
    assert parse_field_dates(date_text, time_text, date(2026, 11, 10)) == _expected(start, end)


@pytest.mark.parametrize(("reference", "phrase"), REJECTED)
def test_rejected(reference: str, phrase: str) -> None:
    assert parse_when(phrase, date.fromisoformat(reference)) is None


@pytest.mark.parametrize(("phrase", "start", "end"), TIMES)
def test_time(phrase: str, start: time, end: time | None) -> None:
    found = find_times(phrase)
    assert [(t.start, t.end) for t in found] == [(start, end)]


def test_a_weekday_picks_the_year_it_agrees_with() -> None:
    # Published in 2026, "jeudi 28 novembre" is 2024's Thursday: a stale post, not a 2026 Saturday.
    assert parse_when("le jeudi 28 novembre", date(2026, 11, 5)) == _expected("2024-11-28", "2024-11-28")


def test_a_date_far_ahead_is_the_recent_past_one() -> None:
    # In a post of 10 December, "le 28 novembre" is twelve days ago, not next year.
    assert parse_when("le 28 novembre", date(2024, 12, 10)) == _expected("2024-11-28", "2024-11-28")


def test_dernier_reads_backwards() -> None:
    found = find_dates("le 28 Septembre dernier", date(2016, 10, 3))
    assert [(m.first, m.past) for m in found] == [(date(2016, 9, 28), True)]


def test_separate_days_stay_separate() -> None:
    found = find_dates("les 3 et 10 juin 2027", date(2026, 11, 23))
    assert [(m.first, m.last) for m in found] == [(date(2027, 6, 3),) * 2, (date(2027, 6, 10),) * 2]


def test_spans_point_at_the_phrase() -> None:
    text = "Rendez-vous le jeudi 26 novembre à Saint-Brieuc (22)."
    [found] = find_dates(text, date(2026, 11, 2))
    assert text[found.span[0] : found.span[1]] == "le jeudi 26 novembre"
