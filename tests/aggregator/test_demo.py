"""The demo: a taken port refused at once, progress shown while crawling, and a second run that keeps
the database, its UIDs and its operator, with a scheduler running beside the agenda."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.db import dispose_engine, get_sessionmaker
from aggregator.demo import DemoError, DemoFiles, run_demo
from aggregator.lease import scheduler_running
from aggregator.models import Event, User

# An iCal feed, and a JSON-LD site whose listings are keyed by their pages' URLs.
SOURCES = ("cafe-pluche", "pes21")


def test_a_taken_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DemoError, match="--port"):
            run_demo(port, database=tmp_path / "demo.sqlite3", echo=lambda _: None)
    assert not (tmp_path / "demo.sqlite3").exists()


class Agenda:
    """Stands in for the web server: notes the agenda's events and waits for the scheduler."""

    def __init__(self, database: Path) -> None:
        self.url = DemoFiles(database.resolve()).url
        self.uids: list[set[str]] = []
        self.scheduler_seen: list[bool] = []

    def __call__(self, port: int, echo: object) -> None:
        sessions = get_sessionmaker(self.url)
        with sessions() as session:
            self.uids.append(set(session.scalars(select(Event.uid))))
        for _ in range(60):
            with sessions() as session:
                if scheduler_running(session):
                    break
            time.sleep(0.5)
        with sessions() as session:
            self.scheduler_seen.append(scheduler_running(session))


def test_a_second_run_keeps_its_events_and_its_operator(tmp_path, monkeypatch):
    for name in ("ESS_AGENDA_DATABASE_URL", "ESS_AGENDA_SECRET_KEY", "ESS_AGENDA_SECURE_COOKIES"):
        monkeypatch.setenv(name, "")  # so that what the demo sets for its commands is undone after
        monkeypatch.delenv(name)
    database = tmp_path / "demo.sqlite3"
    agenda, said = Agenda(database), []
    for _ in range(2):
        run_demo(_free_port(), database=database, echo=said.append, only=SOURCES, serve=agenda)
    dispose_engine(agenda.url)
    first, second = agenda.uids
    assert len(first) >= 10 and first == second
    assert agenda.scheduler_seen == [True, True]
    passwords = [line for line in said if line.startswith("operator: demo / ")]
    assert len(passwords) == 1 and any(line.startswith("operators: kept") for line in said)
    with get_sessionmaker(agenda.url)() as session:
        assert session.scalars(select(User.name)).all() == ["demo"]
    assert any(f"export ESS_AGENDA_DATABASE_URL={agenda.url}" in line for line in said)
    assert sum("cafe-pluche: succeeded" in line for line in said) == 2
    assert any("pages" in line and "events" in line and "sources" in line for line in said)


def test_fresh_starts_over(tmp_path, monkeypatch):
    files = DemoFiles(tmp_path / "demo.sqlite3")
    for path in (files.database, files.secret_key, files.samples_port):
        path.write_text("old")
    files.remove()
    assert not any(path.exists() for path in (files.database, files.secret_key, files.samples_port))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
