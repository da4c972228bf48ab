"""The command line follows the web's rules: the same filters refused with the same words (exit 2),
times in French time with the zone said, and a plain word instead of a traceback when the database is
missing or its scheduler is not running."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from aggregator.cli import main
from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, Source
from tests.helpers import cli
from web import create_app


@pytest.mark.parametrize(
    ("option", "value", "param"),
    [
        ("--region", "Narnia", "region"),
        ("--department", "999", "department"),
        ("--from", "2026-13-45", "from"),
        ("--category", "nope", "category"),
        ("--source", "nobody", "source"),
    ],
)
def test_events_refuses_what_the_api_refuses_with_its_message(sqlite_db, option, value, param):
    result = CliRunner().invoke(main, ["events", "--json", option, value])
    assert result.exit_code == 2
    web = create_app({"TESTING": True, "DATABASE_URL": sqlite_db}).test_client()
    message = web.get(f"/api/events?{param}={value}").get_json()["error"]
    assert f"--{param}: {message}" in " ".join(result.output.split())


def test_events_selects_as_the_web_does(sqlite_db):
    assert cli("events", "--json", "--region", "bretagne", "--from", "2026-11-01").exit_code == 0


def test_sources_add_refuses_an_unknown_region_and_stores_the_official_name(sqlite_db):
    refused = CliRunner().invoke(
        main, ["sources", "add", "https://a.example/", "--name", "a", "--region", "Narnia"]
    )
    assert refused.exit_code == 2 and "Région inconnue : « Narnia »" in refused.output
    assert cli("sources", "add", "https://b.example/", "--name", "b", "--region", "bretagne").exit_code == 0
    with get_sessionmaker(sqlite_db)() as session:
        assert session.scalars(select(Source.name, Source.region)).all() == ["b"]
        assert session.scalars(select(Source.region)).one() == "Bretagne"


def test_a_missing_database_asks_for_init_and_is_not_created(tmp_path, monkeypatch):
    path = tmp_path / "none.sqlite3"
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", f"sqlite:///{path}")
    result = CliRunner().invoke(main, ["users", "add", "admin"], input="a long enough password\n")
    assert result.exit_code == 1 and "run `ess-agenda init`" in result.output
    assert not path.exists()
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    assert CliRunner().invoke(main, ["runs", "list"]).exit_code == 0


def test_runs_are_listed_in_french_time_with_the_zone(sqlite_db):
    with get_sessionmaker(sqlite_db).begin() as session:
        source = Source(name="s", title="S", kind="ical", url="https://s.example/a.ics")
        session.add(source)
        session.flush()
        started = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
        session.add(
            CrawlRun(source_id=source.id, status="succeeded", started_at=started, finished_at=started)
        )
    listed = cli("runs", "list")
    assert "2026-07-01 10:30 CEST" in listed.output
    shown = cli("runs", "show", listed.output.split()[0])
    assert "started_at: 2026-07-01 10:30 CEST" in shown.output


def test_sources_run_warns_when_no_scheduler_runs(sqlite_db):
    assert cli("sources", "add", "https://c.example/", "--name", "c").exit_code == 0
    result = CliRunner().invoke(main, ["sources", "run", "c"])
    assert result.exit_code == 0
    assert "no scheduler has been seen running" in result.output
