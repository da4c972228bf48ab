"""The offline demo: bundled sample sites served locally, crawled into a fresh SQLite database."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from aggregator.config import DEFAULT_DB_PATH
from aggregator.crawl import run_crawls
from aggregator.db import get_engine, get_sessionmaker
from aggregator.samples_server import SOURCES_FILE, serve_sites
from aggregator.schema import upgrade
from aggregator.sources import read_sources_file, upsert_sources

DEMO_DB = DEFAULT_DB_PATH.with_name("demo.sqlite3")


def run_demo(port: int = 5000, echo: Callable[[str], object] = print) -> None:
    db_path = Path(DEMO_DB).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    os.environ["ESS_AGENDA_DATABASE_URL"] = url
    upgrade(get_engine(url))
    with serve_sites() as base:
        echo(f"sample partner sites served on {base}/")
        with get_sessionmaker(url).begin() as session:
            upsert_sources(session, read_sources_file(SOURCES_FILE, base))
        for result in run_crawls(_source_names(url), trigger="demo", database_url=url):
            echo(f"  {result.source}: {result.summary}")
        _serve(port, echo)


def _source_names(url: str) -> list[str]:
    from sqlalchemy import select

    from aggregator.models import Source

    with get_sessionmaker(url)() as session:
        return list(session.scalars(select(Source.name).order_by(Source.name)))


def _serve(port: int, echo: Callable[[str], object]) -> None:
    from waitress import serve

    from web import create_app

    home = f"http://127.0.0.1:{port}"
    echo(f"\nagenda:   {home}/")
    echo(f"feed:     {home}/calendar.ics")
    echo(f"subscribe: webcal://127.0.0.1:{port}/calendar.ics")
    echo("Ctrl-C to stop.")
    serve(create_app(), host="127.0.0.1", port=port, threads=8)
