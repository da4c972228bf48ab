"""The Scrapyd executor against a real Scrapyd (its PyPI package) on 127.0.0.1, writing to PostgreSQL."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from scrapyd_client.pyclient import ScrapydClient
from sqlalchemy import func, select

from aggregator.db import get_engine, get_sessionmaker, scratch_schema
from aggregator.executors import Executor
from aggregator.executors.scrapyd import PROJECT, ScrapydExecutor
from aggregator.models import CrawlRun, Listing
from aggregator.scheduler import CrawlScheduler, Timing
from aggregator.schema import upgrade
from tests.crawl_helpers import add_source, finished_run, runs_of, slow_site, wait_for
from tests.helpers import cli

SCRAPYD_CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = eggs
logs_dir = logs
dbs_dir = dbs
items_dir =
poll_interval = 0.2
max_proc = 2
"""


# What ``ess-agenda scrapyd deploy`` said of each node.
DEPLOYED: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def shared_db(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema for the module: Scrapyd's crawls and this process share it."""
    with scratch_schema(postgres_url, "t") as url:
        upgrade(get_engine(url))
        yield url


@pytest.fixture(scope="module")
def scrapyd_node(shared_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Scrapyd on 127.0.0.1, configured with the shared database, the project deployed."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port))
    env = {**_environ(), "ESS_AGENDA_DATABASE_URL": shared_db}
    with (home / "scrapyd.log").open("wb") as log:
        node = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: _answers(url), timeout=30)
        deployed = cli("scrapyd", "deploy", "--url", url)
        assert deployed.exit_code == 0, deployed.output
        DEPLOYED[url] = deployed.output
        yield url
    finally:
        node.terminate()
        node.wait(timeout=30)


def closed_run(url: str, name: str) -> CrawlRun | None:
    """The source's latest run once its executor saw the end of the job and kept its log."""
    run = finished_run(url, name)
    return run if run is not None and run.log_tail else None


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ESS_AGENDA_")}


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}daemonstatus.json", timeout=2).json().get("status") == "ok"
    except requests.RequestException:
        return False


@pytest.fixture
def scrapyd_env(shared_db: str, scrapyd_node: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", shared_db)
    monkeypatch.setenv("ESS_AGENDA_EXECUTOR", "scrapyd")
    monkeypatch.setenv("ESS_AGENDA_SCRAPYD_URLS", scrapyd_node)
    monkeypatch.setenv("ESS_AGENDA_SCHEDULE_JITTER", "0")
    return shared_db


@contextmanager
def leading_scheduler(executor_factory: Callable[[], Executor] | None = None) -> Iterator[CrawlScheduler]:
    """A scheduler of this process, leading; its executor from the settings unless given."""
    options = {"executor_factory": executor_factory} if executor_factory else {}
    scheduler = CrawlScheduler(
        timing=Timing(0.3, 0.2, 2.0), identity=f"test-{uuid.uuid4().hex[:6]}", **options
    )
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    try:
        wait_for(scheduler.leading.is_set, timeout=10)
        yield scheduler
    finally:
        stop.set()
        thread.join(timeout=30)


def test_deploy_registers_the_project_with_every_kind(scrapyd_node):
    deployed = re.fullmatch(rf"{re.escape(scrapyd_node)}: deployed, (\d+) spiders\n", DEPLOYED[scrapyd_node])
    assert deployed is not None and int(deployed.group(1)) >= 7  # auto ical jsonld tribe openagenda rss html
    assert PROJECT in ScrapydClient(scrapyd_node.rstrip("/")).projects()


def test_scheduled_crawls_run_on_scrapyd_and_outlive_their_scheduler(scrapyd_env, scrapyd_node, samples_base):
    """Two crawls at once: one lands its listings in PostgreSQL; the other outlives the scheduler
    that started it, and the next scheduler follows it and cancels it."""

    def quick() -> Executor:
        return ScrapydExecutor([scrapyd_node], term_grace=1, kill_grace=1, poll_interval=0.2)

    node = ScrapydClient(scrapyd_node.rstrip("/"))
    tribe = f"{samples_base}/adess-brest/wp-json/tribe/events/v1/events"
    add_source(scrapyd_env, "adess-brest", "tribe", tribe)
    with slow_site(delay=120) as site:
        add_source(scrapyd_env, "slow", "ical", f"{site.base}/agenda.ics")
        with leading_scheduler():  # its executor from the settings: ESS_AGENDA_EXECUTOR=scrapyd
            for name in ("adess-brest", "slow"):
                assert cli("sources", "run", name).exit_code == 0
            run = wait_for(lambda: closed_run(scrapyd_env, "adess-brest"), timeout=150)
            assert site.requested.wait(60)

        assert run.status == "succeeded", run.errors
        assert run.trigger == "manual" and run.listings_new == 7
        assert run.node == f"scrapyd {scrapyd_node}" and (run.job_id or "").startswith(f"run-{run.id}-")
        assert "Spider closed (finished)" in run.log_tail
        with get_sessionmaker(scrapyd_env)() as session:
            assert session.scalar(select(func.count(Listing.id))) == 7
        assert run.job_id in [job["id"] for job in node.jobs(PROJECT)["finished"]]

        (slow,) = runs_of(scrapyd_env, "slow")
        assert slow.status == "running"  # its scheduler stopped, its job goes on
        assert slow.job_id in [job["id"] for job in node.jobs(PROJECT)["running"]]
        with leading_scheduler(quick):
            assert cli("runs", "cancel", str(slow.id)).exit_code == 0
            cancelled = wait_for(lambda: closed_run(scrapyd_env, "slow"), timeout=120)
    assert cancelled.status == "cancelled"
    assert cancelled.errors == [f"Scrapyd job {slow.job_id} ended without closing its run"]  # killed
    assert "shutting down gracefully" in cancelled.log_tail
    assert slow.job_id in [job["id"] for job in node.jobs(PROJECT)["finished"]]


def test_the_project_egg_names_the_settings_module(tmp_path: Path):
    import zipfile

    from aggregator.executors.deploy import build_egg

    egg = tmp_path / "project.egg"
    egg.write_bytes(build_egg("1.0+1"))
    with zipfile.ZipFile(egg) as archive:
        assert archive.read("EGG-INFO/entry_points.txt").decode() == "[scrapy]\nsettings = spiders.settings\n"
        assert "Version: 1.0+1" in archive.read("EGG-INFO/PKG-INFO").decode()
