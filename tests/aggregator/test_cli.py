"""The CLI contract on SQLite and PostgreSQL, over the sample sites served on 127.0.0.1."""

from __future__ import annotations

import json

from sqlalchemy import inspect

from aggregator.db import get_engine
from tests.helpers import cli, events_json, import_samples


def test_init_is_idempotent(any_db_url, monkeypatch):
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", any_db_url)
    assert cli("init").exit_code == 0
    assert cli("init").exit_code == 0
    tables = set(inspect(get_engine(any_db_url)).get_table_names())
    assert {"source", "crawl_run", "listing", "event", "alembic_version"} <= tables


def test_sources_import_updates_by_name(db_url, samples_base):
    import_samples(samples_base)
    import_samples(samples_base)
    listed = json.loads(cli("sources", "list", "--json").output)
    names = [s["name"] for s in listed]
    assert len(names) == len(set(names)) == 10
    tribe = next(s for s in listed if s["name"] == "adess-brest")
    assert tribe["url"] == f"{samples_base}/adess-brest/wp-json/tribe/events/v1/events"
    assert tribe["region"] == "Bretagne"


def test_crawl_ical_and_tribe_into_events(db_url, samples_base):
    import_samples(samples_base)
    result = cli("crawl", "adess-brest", "unpeudr", "cafe-pluche", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert result.output.count("succeeded") == 3
    events = events_json()
    titles = {e["title"] for e in events}
    assert "Disco Soupe géante au Lieu-Dit" in titles  # tribe
    assert "Atelier couture" in titles  # ical (Google)
    assert "Marché de Noël solidaire" in titles  # ical (Tribe export, all-day)
    market = next(e for e in events if e["title"] == "Marché de Noël solidaire")
    assert (market["start"], market["end"], market["all_day"]) == ("2026-12-12", "2026-12-13", True)
    couture = next(e for e in events if e["title"] == "Atelier couture")
    assert couture["start"] == "2026-11-28T14:30:00+01:00"
    assert couture["sources"][0]["name"] == "unpeudr"


def test_second_crawl_changes_nothing(db_url, samples_base):
    import_samples(samples_base)
    cli("crawl", "adess-brest")
    before = {e["uid"] for e in events_json()}
    result = cli("crawl", "adess-brest")
    assert "0 new / 0 updated / 7 unchanged / 0 removed" in result.output
    assert {e["uid"] for e in events_json()} == before


def test_events_filters(db_url, samples_base):
    import_samples(samples_base)
    cli("crawl", "adess-brest")  # events from 2016 to 2027, one in December 2026
    december = events_json("--from", "2026-12-01", "--to", "2026-12-31")
    assert december and all(e["start"][:7] == "2026-12" for e in december)
    assert len(december) < len(events_json())


def test_broken_source_does_not_stop_the_others(db_url, samples_base, tmp_path):
    broken = tmp_path / "sources.yaml"
    broken.write_text(
        "sources:\n"
        "  - {name: gone, kind: ical, url: '{base}/nowhere/agenda.ics'}\n"
        "  - {name: garbage, kind: tribe, url: '{base}/adess-brest/index.html'}\n"
        "  - {name: adess-brest, kind: tribe,"
        " url: '{base}/adess-brest/wp-json/tribe/events/v1/events'}\n"
    )
    cli("sources", "import", str(broken), "--base", samples_base)
    result = cli("crawl", "--all")
    assert result.exit_code == 1
    lines = dict(line.split(": ", 1) for line in result.output.splitlines())
    assert lines["gone"].startswith("failed")
    assert lines["garbage"].startswith("failed")
    assert lines["adess-brest"].startswith("succeeded")
    assert len(events_json()) == 7
