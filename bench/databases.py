"""Fresh databases for the benchmarks: an SQLite file in a temporary folder, or a PostgreSQL schema."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aggregator.db import dispose_engine, scratch_schema

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_database(kind: str, postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """An empty database of ``kind`` ("sqlite" or "postgresql"), gone afterwards."""
    if kind == "postgresql":
        with scratch_schema(postgres_url, "bench") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        yield url
        dispose_engine(url)
