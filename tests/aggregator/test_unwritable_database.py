"""A database that can be read but not written (a read-only file, a full disk): commands say so in one
line, and the web keeps serving every page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.schema import upgrade
from tests.web.factories import TODAY, add_event, add_source, at, bump
from tests.web.live import serving
from web import create_app

PAGES = ["/", f"/mois/{TODAY:%Y-%m}", "/calendar.ics", "/feed.atom", "/api/events"]


def seeded(path: Path) -> None:
    url = f"sqlite:///{path}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        source = add_source(session, "adess")
        add_event(session, "Atelier réparation", at(TODAY, 14), sources=[(source, None)])
        bump(session)
    dispose_engine(url)


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESS_AGENDA_DATABASE_URL": url}
    command = [sys.executable, "-m", "aggregator.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def assert_refused_in_one_line(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: the database cannot be written (")
    assert len(result.stderr.splitlines()) == 1


def site(url: str) -> AbstractContextManager[str]:
    return serving(create_app({"TESTING": True, "DATABASE_URL": url, "TODAY": TODAY.isoformat()}))


def assert_pages_served(base: str) -> None:
    for page in PAGES:
        response = requests.get(base + page, timeout=10)
        assert response.status_code == 200, (page, response.text[:300])
    assert "Atelier réparation" in requests.get(f"{base}/", timeout=10).text


def test_a_read_only_file_is_read_and_refuses_changes_in_one_line(tmp_path: Path):
    path = tmp_path / "agenda.sqlite3"
    seeded(path)
    with get_engine(f"sqlite:///{path}").connect() as connection:  # as copied from a backup
        connection.execute(text("PRAGMA journal_mode=DELETE"))
    dispose_engine(f"sqlite:///{path}")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    try:
        listed = cli(url, "runs", "list")
        assert listed.returncode == 0, listed.stderr
        assert_refused_in_one_line(cli(url, "sources", "add", "https://a.example/", "--name", "a"))
        with site(url) as base:
            assert_pages_served(base)
    finally:
        dispose_engine(url)


def synchronous(url: str) -> int:
    with get_engine(url).connect() as connection:
        return int(connection.execute(text("PRAGMA synchronous")).scalar_one())


def test_only_a_write_ahead_log_commits_without_waiting_for_the_disk(tmp_path: Path):
    path = tmp_path / "agenda.sqlite3"
    seeded(path)
    assert synchronous(f"sqlite:///{path}") == 1  # NORMAL
    dispose_engine(f"sqlite:///{path}")
    with get_engine(f"sqlite:///{path}").connect() as connection:
        connection.execute(text("PRAGMA journal_mode=DELETE"))
    dispose_engine(f"sqlite:///{path}")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"  # kept in its rollback journal
    try:
        assert synchronous(url) == 2  # FULL, SQLite's default
    finally:
        dispose_engine(url)


def fill(path: Path) -> None:
    with open(path, "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of its own (tmpfs), so that filling it costs nothing."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_a_full_disk_is_read_and_refuses_changes_in_one_line(small_disk: Path, tmp_path: Path):
    path = small_disk / "agenda.sqlite3"
    seeded(path)
    url = f"sqlite:///{path}"
    sources = tmp_path / "sources.yaml"
    entries = "".join(
        f"  - {{name: s{n}, kind: ical, url: 'https://s{n}.example/a.ics', title: '{'x' * 2000}'}}\n"
        for n in range(400)
    )
    sources.write_text("sources:\n" + entries)
    try:
        with site(url) as base:
            assert_pages_served(base)  # the web is up when the disk fills
            fill(small_disk / "filler")
            assert_refused_in_one_line(cli(url, "sources", "import", str(sources)))
            assert_pages_served(base)
    finally:
        dispose_engine(url)
        shutil.rmtree(small_disk, ignore_errors=True)
