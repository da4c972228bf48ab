"""The offline demo: the bundled sample sites served on 127.0.0.1, crawled into a SQLite database that
is kept between runs, then the agenda served with a scheduler in the same process.

The samples are moved to the current week (``aggregator.samples_server``), so the agenda is alive on
any day. The database keeps its events (and their UIDs), its operators and the port the sample sites
were served on, so that their URLs, and the listings keyed by them, stay the same from one run to the
next; ``fresh`` starts over.
"""

from __future__ import annotations

import errno
import os
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select

from aggregator.config import DEFAULT_DB_PATH
from aggregator.crawl import CLI, run_crawl
from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.demo_progress import CrawlProgress
from aggregator.images import fetch_images
from aggregator.models import User
from aggregator.samples_server import SITES, SOURCES_FILE, serve_sites
from aggregator.schema import upgrade
from aggregator.sources import read_sources_file, upsert_sources

DEMO_DB = DEFAULT_DB_PATH.with_name("demo.sqlite3")
OPERATOR = "demo"
CRAWLS_AT_ONCE = 2
Echo = Callable[[str], object]


class DemoError(Exception):
    """The demo cannot start; the message says what to do."""


@dataclass(frozen=True)
class DemoFiles:
    """Where a demo keeps what must outlive it, beside its database."""

    database: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def secret_key(self) -> Path:
        return self.database.with_suffix(".secret")

    @property
    def samples_port(self) -> Path:
        return self.database.with_suffix(".samples-port")

    def remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        for path in (self.secret_key, self.samples_port):
            path.unlink(missing_ok=True)


def run_demo(
    port: int = 5000,
    *,
    fresh: bool = False,
    echo: Echo = print,
    write: Echo | None = None,
    database: Path = DEMO_DB,
    only: Sequence[str] | None = None,
    serve: Callable[[int, Echo], None] | None = None,
) -> None:
    """Check the port, crawl the samples with progress shown, then serve until Ctrl-C. ``write``, for
    a terminal, writes without a newline: progress is then one line redrawn. ``only`` limits the
    crawl to some sample sources; ``serve`` replaces the web server (tests look at the agenda there).

    :raise DemoError: when the agenda's port is taken.
    """
    ensure_port_free(port)
    files = DemoFiles(Path(database).resolve())
    prepare(files, fresh=fresh, echo=echo)
    requests: Counter[str] = Counter()
    with serve_sites(SITES, port=_samples_port(files), requests=requests) as base:
        files.samples_port.write_text(base.rsplit(":", 1)[1])
        echo(f"sample partner sites: {base}/")
        crawl_all(files.url, base, requests, echo=echo, write=write, only=only)
        with get_sessionmaker(files.url)() as session:
            # Only the sample sites' own images: the demo needs no internet.
            kept = fetch_images(session, allowed=lambda image: image.startswith(f"{base}/"))
        echo(f"images: {kept.fetched} kept, {kept.failed} failed")
        with running_scheduler(files.url):
            (serve or _serve)(port, echo)


def prepare(files: DemoFiles, *, fresh: bool, echo: Echo) -> None:
    """The database, its schema, the settings every command of the demo shares, and an operator."""
    files.database.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        files.remove()
    if not files.secret_key.exists():
        files.secret_key.write_text(secrets.token_urlsafe(32))
    os.environ.update(
        ESS_AGENDA_DATABASE_URL=files.url,
        ESS_AGENDA_SECRET_KEY=files.secret_key.read_text().strip(),
        ESS_AGENDA_SECURE_COOKIES="0",  # served over plain HTTP on 127.0.0.1
        ESS_AGENDA_ALLOW_PRIVATE_SOURCES="1",  # its partner sites too: the admin may discover them
    )
    upgrade(get_engine(files.url))
    echo(f"database: {files.url}")
    echo(f"  other commands use it with: export ESS_AGENDA_DATABASE_URL={files.url}")
    password = ensure_operator(files.url)
    if password:
        echo(
            f"operator: {OPERATOR} / {password}  (shown once; change it: ess-agenda users passwd {OPERATOR})"
        )
    else:
        echo(f"operators: kept from the last run (ess-agenda users passwd {OPERATOR} to reset)")


def ensure_operator(database_url: str) -> str | None:
    """Create the demo's operator with a random password when the database has none; returns it."""
    from aggregator.users import add_user

    with get_sessionmaker(database_url).begin() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = secrets.token_urlsafe(12)
        add_user(session, OPERATOR, password)
        return password


def crawl_all(
    database_url: str,
    base: str,
    requests: Counter[str],
    *,
    echo: Echo,
    write: Echo | None = None,
    only: Sequence[str] | None = None,
) -> None:
    """Register the sample sources at ``base`` and crawl them all (or ``only`` these), showing
    progress as it goes; ``requests`` counts the pages each site folder served."""
    specs = [s for s in read_sources_file(SOURCES_FILE, base) if only is None or s["name"] in only]
    with get_sessionmaker(database_url).begin() as session:
        upsert_sources(session, specs)
    names = sorted(spec["name"] for spec in specs)
    folders = {spec["name"]: urlsplit(spec["url"]).path.lstrip("/").split("/", 1)[0] for spec in specs}
    progress = CrawlProgress(
        database_url,
        names,
        lambda name: requests[folders[name]],
        lambda: sum(requests.values()),
        echo=echo,
        write=write,
    )
    with progress, ThreadPoolExecutor(max_workers=CRAWLS_AT_ONCE) as pool:
        crawls = [pool.submit(run_crawl, name, CLI, database_url) for name in names]
        for done in as_completed(crawls):
            result = done.result()
            progress.finished(result.source, result.summary)


def ensure_port_free(port: int, host: str = "127.0.0.1") -> None:
    """:raise DemoError: when something already listens on ``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers do: a port left in TIME_WAIT by a previous run is free to them.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise DemoError(
                    f"port {port} on {host} is taken; start the demo on another one with --port"
                ) from exc
            raise


def _samples_port(files: DemoFiles) -> int:
    """The port the sample sites had last time, so their URLs (and listings keyed by them) stay the
    same; any free one (0) the first time.

    :raise DemoError: when that port is taken now.
    """
    try:
        port = int(files.samples_port.read_text())
    except (OSError, ValueError):
        return 0
    try:
        ensure_port_free(port)
    except DemoError:
        raise DemoError(
            f"port {port}, where this demo serves its sample sites, is taken; free it, or start over "
            "with --fresh"
        ) from None
    return port


@contextmanager
def running_scheduler(database_url: str) -> Iterator[None]:
    """The crawl scheduler in a thread of this process, so "crawl now" in the admin works."""
    from aggregator.scheduler import CrawlScheduler

    stop = threading.Event()
    scheduler = CrawlScheduler(database_url=database_url)
    thread = threading.Thread(target=scheduler.run, args=(stop,), name="scheduler", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
        dispose_engine(database_url)


def _serve(port: int, echo: Echo) -> None:
    from waitress import serve

    from aggregator.cli import web_app

    home = f"http://127.0.0.1:{port}"
    echo(f"\nagenda:    {home}/")
    echo(f"admin:     {home}/admin/")
    echo(f"feed:      {home}/calendar.ics")
    echo(f"subscribe: webcal://127.0.0.1:{port}/calendar.ics")
    echo("Ctrl-C to stop.")
    try:
        serve(web_app(), host="127.0.0.1", port=port, threads=8)
    except KeyboardInterrupt:
        echo("stopped")
