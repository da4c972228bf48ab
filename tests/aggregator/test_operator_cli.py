"""Operators' commands: users, sources, runs."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from aggregator.cli import main
from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, Source, User
from aggregator.types import utcnow
from tests.helpers import cli


def test_users_add_reads_the_password_from_stdin(sqlite_db):
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "alice"], input="correct horse battery\n")
    assert added.exit_code == 0, added.output
    with get_sessionmaker(sqlite_db)() as session:
        user = session.scalars(select(User)).one()
    assert user.name == "alice" and user.password_hash.startswith("scrypt:")
    again = runner.invoke(main, ["users", "add", "alice"], input="correct horse battery\n")
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(main, ["users", "add", "bob"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    changed = runner.invoke(main, ["users", "passwd", "alice"], input="another long password\n")
    assert changed.exit_code == 0


def test_sources_add_enable_disable_and_run(sqlite_db):
    added = cli("sources", "add", "https://cress.example/", "--name", "cress", "--region", "Bretagne")
    assert added.exit_code == 0, added.output
    assert cli("sources", "disable", "cress").exit_code == 0
    with get_sessionmaker(sqlite_db)() as session:
        source = session.scalars(select(Source)).one()
        assert (source.kind, source.enabled, source.schedule, source.region) == (
            "auto",
            False,
            None,
            "Bretagne",
        )
    assert cli("sources", "enable", "cress").exit_code == 0
    assert cli("sources", "run", "cress").exit_code == 0
    with get_sessionmaker(sqlite_db)() as session:
        source = session.scalars(select(Source)).one()
        assert source.enabled and source.run_requested_at is not None


def test_sources_add_refuses_what_cannot_be_crawled(sqlite_db):
    def refused(*args: str) -> str:
        result = cli("sources", "add", *args)
        assert result.exit_code == 1
        return result.output

    assert "maximum value (59)" in refused("https://a.example/", "--name", "a", "--schedule", "61 * * * *")
    assert "http:// or https://" in refused("ftp://a.example/", "--name", "a")
    assert "unknown kind 'wordpress' (one of auto" in refused(
        "https://a.example/", "--name", "a", "--kind", "wordpress"
    )
    assert "lowercase letters" in refused("https://a.example/", "--name", "Un Nom")
    assert cli("sources", "add", "https://a.example/", "--name", "a").exit_code == 0
    assert "already exists" in refused("https://b.example/", "--name", "a")
    assert "no source named" in cli("sources", "disable", "zzz").output


def test_runs_list_and_show(db_url):
    assert (
        cli("sources", "add", "https://a.example/agenda.ics", "--name", "a", "--kind", "ical").exit_code == 0
    )
    assert (
        cli("sources", "add", "https://b.example/agenda.ics", "--name", "b", "--kind", "ical").exit_code == 0
    )
    with get_sessionmaker(db_url).begin() as session:
        a, b = session.scalars(select(Source).order_by(Source.name)).all()
        now = utcnow()
        session.add_all(
            [
                CrawlRun(source=a, trigger="schedule", status="succeeded", started_at=now, finished_at=now,
                         listings_found=7, listings_new=7, log_tail="Spider closed (finished)"),
                CrawlRun(source=b, trigger="manual", status="failed", started_at=now, finished_at=now,
                         error_count=2, errors=["https://b.example/agenda.ics: 404",
                                                "rejected: https://b.example/p: 'AG': unreadable date 'x'"]),
            ]
        )  # fmt: skip
    listed = json.loads(cli("runs", "list", "--json").output)
    assert [(r["source"], r["status"]) for r in listed] == [("b", "failed"), ("a", "succeeded")]
    only_a = json.loads(cli("runs", "list", "--json", "--source", "a").output)
    assert len(only_a) == 1 and only_a[0]["listings"]["new"] == 7 and "log_tail" not in only_a[0]
    text = cli("runs", "list").output
    assert "failed" in text and "succeeded" in text
    shown = json.loads(cli("runs", "show", str(only_a[0]["id"]), "--json").output)
    assert shown["log_tail"] == "Spider closed (finished)"
    lines = cli("runs", "show", str(listed[0]["id"])).output.splitlines()
    assert "  https://b.example/agenda.ics: 404" in lines  # one error a line, each page named
    assert "  rejected: https://b.example/p: 'AG': unreadable date 'x'" in lines
    assert cli("runs", "show", "999").exit_code == 1
