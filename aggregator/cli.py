"""The ``ess-agenda`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aggregator.clock import HOME_ZONE
from aggregator.db import cannot_write, get_engine, get_sessionmaker
from aggregator.models import CrawlRun, Source
from aggregator.schema import schema_problem, upgrade
from aggregator.sources import SourceError, read_sources_file, source_as_dict, upsert_sources

if TYPE_CHECKING:
    from flask import Flask

    from web.admin.discovery import Found
    from web.filters import Filters

# Operators read times in French time, the zone named.
OPERATOR_ZONE = ZoneInfo(HOME_ZONE)


def _database() -> sessionmaker[Session]:
    """The configured database's sessions, once its schema is known to be there and current."""
    problem = schema_problem(get_engine())
    if problem:
        raise click.ClickException(problem)
    return get_sessionmaker()


def _filters(**values: str | None) -> Filters:
    """Command-line filters read by the web's own parser, so both accept and refuse alike.

    :raise click.UsageError: (exit 2) with the web's message, naming the option.
    """
    from werkzeug.datastructures import MultiDict

    from web.filters import FilterError, Filters

    args = MultiDict([(name, value) for name, value in values.items() if value is not None])
    try:
        return Filters.parse(args)
    except FilterError as exc:
        raise click.UsageError(f"--{exc.param}: {exc.message}") from exc


def _local(moment: str | None) -> str:
    """An ISO instant as the operator's local time, zone named ("2026-12-06 18:02 CET")."""
    if not moment:
        return "-"
    return f"{datetime.fromisoformat(moment).astimezone(OPERATOR_ZONE):%Y-%m-%d %H:%M %Z}"


class Commands(click.Group):
    """The commands, with a database that cannot be written told in one line, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not cannot_write(exc):
                raise
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise click.ClickException(
                f"the database cannot be written ({reason}): free disk space or make it writable"
            ) from exc


@click.group(cls=Commands)
@click.version_option(package_name="ess-agenda")
def main() -> None:
    """ESS Agenda: the events of the social and solidarity economy, from all its partner sites."""


@main.command()
def init() -> None:
    """Create or upgrade the database schema."""
    engine = get_engine()
    upgrade(engine)
    click.echo(f"database ready: {engine.url.render_as_string(hide_password=True)}")


@main.group()
def sources() -> None:
    """Manage partner sources."""


@sources.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base", help="URL replacing {base} in the file's URLs.")
def sources_import(path: Path, base: str | None) -> None:
    """Create or update sources from a sources.yaml file (matched by name)."""
    try:
        specs = read_sources_file(path, base)
    except (SourceError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    with _database().begin() as session:
        created, updated = upsert_sources(session, specs)
    click.echo(f"{len(specs)} sources: {created} created, {updated} updated")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources_list(as_json: bool) -> None:
    """List partner sources."""
    with _database()() as session:
        rows = [source_as_dict(s) for s in session.scalars(select(Source).order_by(Source.name))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "" if row["enabled"] else "  (disabled)"
        click.echo(f"{row['name']:<24} {row['kind']:<10} {row['url']}{state}")


@sources.command("add")
@click.argument("url")
@click.option("--name", required=True, help="Unique slug of the source.")
@click.option("--kind", default="auto", show_default=True, help="Spider kind.")
@click.option("--title", help="Display name (default: the name).")
@click.option("--schedule", help="Cron expression, Europe/Paris time (default: every 6 h).")
@click.option("--region", help="Région assumed where an event names no place.")
def sources_add(
    url: str, name: str, kind: str, title: str | None, schedule: str | None, region: str | None
) -> None:
    """Add an enabled source; the scheduler picks it up within seconds."""
    from aggregator.source_admin import SourceChanges, add_source
    from aggregator.sources import check_region

    try:
        region = check_region(region)
    except SourceError as exc:
        raise click.BadParameter(str(exc), param_hint="--region") from exc
    changes = SourceChanges(title=title, kind=kind, schedule=schedule or "", region=region)
    try:
        with _database().begin() as session:
            add_source(session, name, url, changes)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"source {name} added")


@sources.command("enable")
@click.argument("name")
def sources_enable(name: str) -> None:
    """Schedule a source's crawls again."""
    _set_enabled(name, True)


@sources.command("disable")
@click.argument("name")
def sources_disable(name: str) -> None:
    """Stop scheduling a source's crawls (its listings stay)."""
    _set_enabled(name, False)


def _set_enabled(name: str, enabled: bool) -> None:
    from aggregator.source_admin import get_source

    try:
        with _database().begin() as session:
            get_source(session, name).enabled = enabled
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"source {name} {'enabled' if enabled else 'disabled'}")


@sources.command("delete")
@click.argument("name")
@click.confirmation_option(prompt="Delete the source, its crawl runs and its listings?")
def sources_delete(name: str) -> None:
    """Delete a source with its runs and listings; coming events only it announced are cancelled."""
    from aggregator.source_admin import delete_source

    try:
        with _database().begin() as session:
            gone = delete_source(session, name)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"source {name} deleted with {gone.listings} listings; events: {gone.recomputed} recomputed "
        f"from their other sources, {gone.retired} cancelled"
    )


@sources.command("run")
@click.argument("name")
def sources_run(name: str) -> None:
    """Ask the running scheduler to crawl a source now."""
    from aggregator.crawl import request_run
    from aggregator.lease import scheduler_running
    from aggregator.source_admin import get_source

    try:
        with _database().begin() as session:
            request_run(get_source(session, name))
            running = scheduler_running(session)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    if running:
        click.echo(f"crawl of {name} requested; the scheduler starts it within seconds")
        return
    click.echo(
        f"crawl of {name} requested, but no scheduler has been seen running in the last minute: "
        f"it starts when one runs (`ess-agenda scheduler`); `ess-agenda crawl {name}` crawls it now",
        err=True,
    )


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every enabled source.")
@click.option("--workers", default=2, show_default=True, help="Crawls running at once.")
def crawl(names: tuple[str, ...], crawl_all: bool, workers: int) -> None:
    """Crawl sources, store their listings and deduplicate; exit 1 if any source failed."""
    from aggregator.crawl import run_crawls

    with _database()() as session:
        known = {s.name: s.enabled for s in session.scalars(select(Source))}
    if crawl_all:
        names = tuple(sorted(name for name, enabled in known.items() if enabled))
    if not names:
        raise click.UsageError("name sources to crawl, or use --all")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.ClickException(f"unknown source(s): {', '.join(unknown)}")
    results = run_crawls(names, trigger="cli", workers=workers)
    for result in results:
        click.echo(f"{result.source}: {result.summary}")
    sys.exit(0 if all(r.status == "succeeded" for r in results) else 1)


@main.command()
@click.option("--rebuild", is_flag=True, help="Recompute every event from every listing.")
def dedup(rebuild: bool) -> None:
    """Place listings no dedup has placed yet in their events (--rebuild: all of them)."""
    from aggregator.dedup import deduplicate, pending_listing_ids
    from aggregator.dedup import rebuild as rebuild_all
    from aggregator.fragments import render_missing

    with _database().begin() as session:
        stats = rebuild_all(session) if rebuild else deduplicate(session, pending_listing_ids(session))
        render_missing(session)
    click.echo(
        f"events: {stats.created} created, {stats.updated} updated, {stats.absorbed} merged away; "
        f"{stats.merged} listings joined a known event"
    )


@main.command()
@click.option("--limit", default=500, show_default=True, help="Images fetched at most in this run.")
def images(limit: int) -> None:
    """Fetch, resize and keep the images of coming events that were never fetched."""
    from aggregator.images import fetch_images

    with get_sessionmaker()() as session:
        report = fetch_images(session, limit)
    click.echo(f"images: {report.fetched} kept, {report.failed} failed")


@main.command()
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON (required).")
@click.option("--region", help="Only events in this région (any spelling).")
@click.option("--department", help="Only events in this département (code: 29, 2A, 974).")
@click.option("--country", help="Only events in this country (ISO code: FR, BE, CH…).")
@click.option("--city", help="Only events in this city.")
@click.option("--category", help="Only events of this category (slug or label).")
@click.option("--source", help="Only events this source announces (its name).")
@click.option("--from", "start", help="From this day on (YYYY-MM-DD).")
@click.option("--to", "end", help="Up to this day, inclusive (YYYY-MM-DD).")
@click.option("--q", "text", help="Words in the title, description or place.")
def events(as_json: bool, **options: str | None) -> None:
    """Print canonical events as JSON, selected as the web's filters select them."""
    from aggregator.export import event_as_dict, events_where
    from web.filters import FilterError, checked_titles

    filters = _filters(
        **{"from": options.pop("start"), "to": options.pop("end"), "q": options.pop("text")}, **options
    )
    with _database()() as session:
        try:
            checked_titles(session, filters)
        except FilterError as exc:
            raise click.UsageError(f"--{exc.param}: {exc.message}") from exc
        dialect = session.get_bind().dialect.name
        query = events_where(filters.conditions(dialect, default_start=None))
        rows = [event_as_dict(e) for e in session.scalars(query)]
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@main.group()
def feeds() -> None:
    """iCalendar feeds."""


@feeds.command("render")
def feeds_render() -> None:
    """Render again the VEVENT of every event (crawls and dedups render those they change)."""
    from aggregator.fragments import render_all

    with _database().begin() as session:
        count = render_all(session)
    click.echo(f"{count} events rendered")


def web_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The web app with its admin's discovery: discovery reads pages with the spiders' extractors,
    which the web does not import, so it is handed to the app here."""
    from web import create_app

    return create_app(test_config, discover=discover_site)


def discover_site(url: str, allow_private: bool) -> list[Found]:
    """What aggregator.discovery finds at ``url``, as the admin shows it (web.admin.discovery)."""
    from aggregator.discovery import DiscoveryError, discover_url
    from web.admin.discovery import DiscoveryFailed, Found

    try:
        findings = discover_url(url, allow_private=allow_private)
    except DiscoveryError as exc:
        raise DiscoveryFailed(str(exc)) from exc
    return [
        Found(f.candidate.kind, f.candidate.url, f.candidate.how, f.candidate.guessed, f.events, f.outcome)
        for f in findings
    ]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--threads", default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the agenda and its feeds (production WSGI server)."""
    from waitress import serve as waitress_serve

    app = web_app()
    if app.config["ADMIN_REFUSAL"]:
        click.echo(f"the admin is closed: {app.config['ADMIN_REFUSAL']} (see the README)", err=True)
    click.echo(f"ESS Agenda on http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)


@main.command()
@click.option("--port", default=5000, show_default=True, help="Port of the agenda.")
@click.option("--fresh", is_flag=True, help="Start over from an empty database.")
def demo(port: int, fresh: bool) -> None:
    """Crawl the bundled sample partner sites into the demo's database and serve the agenda."""
    from aggregator.demo import DemoError, run_demo

    def write(text: str) -> None:
        click.echo(text, nl=False)

    try:
        run_demo(port=port, fresh=fresh, echo=click.echo, write=write if sys.stdout.isatty() else None)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def runs() -> None:
    """Crawl runs: history, details, cancel."""


@runs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--source", "source_name", help="Only this source's runs.")
@click.option("--limit", default=50, show_default=True, help="How many of the latest runs.")
def runs_list(as_json: bool, source_name: str | None, limit: int) -> None:
    """The latest crawl runs, newest first."""
    from aggregator.crawl import close_orphaned_runs
    from aggregator.health import run_as_dict, runs_query

    sessions = _database()
    close_orphaned_runs(sessions)
    with sessions() as session:
        rows = [run_as_dict(run) for run in session.scalars(runs_query(source_name, limit))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        listings = row["listings"]
        click.echo(
            f"{row['id']:>6} {row['source']:<24} {row['status']:<10} {row['trigger']:<8} "
            f"{_local(row['started_at'])}  {listings['found']} listings, {row['error_count']} errors"
            + ("  suspect" if row["suspect"] else "")
        )


@runs.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs_show(run_id: int, as_json: bool) -> None:
    """One run: counters, first errors and the end of its log."""
    from aggregator.crawl import close_orphaned_runs
    from aggregator.health import run_as_dict

    sessions = _database()
    close_orphaned_runs(sessions)
    with sessions() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise click.ClickException(f"no run {run_id}")
        data = run_as_dict(run, log=True)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    log = data.pop("log_tail")
    for key in ("started_at", "finished_at"):
        data[key] = _local(data[key])
    errors = data.pop("errors", None) or []
    for key, value in data.items():
        click.echo(f"{key}: {value}")
    click.echo("errors:" + "".join(f"\n  {error}" for error in errors))
    click.echo("log:\n" + log)


@runs.command("cancel")
@click.argument("run_id", type=int)
@click.option("--wait", default=120.0, show_default=True, help="Seconds to wait for the run to close.")
def runs_cancel(run_id: int, wait: float) -> None:
    """Stop a running crawl and wait until its run is closed."""
    import time

    from aggregator.crawl import request_cancel
    from aggregator.runs import RUNNING

    sessions = _database()
    with sessions.begin() as session:
        run = session.get(CrawlRun, run_id)
        if run is None or not request_cancel(run):
            raise click.ClickException(f"run {run_id} is not running")
    deadline = time.monotonic() + wait
    while True:
        with sessions() as session:
            status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
        if status != RUNNING:
            click.echo(f"run {run_id} {status}")
            return
        if time.monotonic() > deadline:
            raise click.ClickException(f"cancel of run {run_id} requested; it is still running")
        time.sleep(0.5)


@main.group()
def users() -> None:
    """Operators allowed into /admin."""


@users.command("add")
@click.argument("name")
def users_add(name: str) -> None:
    """Create an operator; the password is read from standard input."""
    from aggregator.users import UserError, add_user

    password = _read_password()
    try:
        with _database().begin() as session:
            add_user(session, name, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {name} added")


@users.command("passwd")
@click.argument("name")
def users_passwd(name: str) -> None:
    """Change an operator's password, read from standard input."""
    from aggregator.users import UserError, set_password

    password = _read_password()
    try:
        with _database().begin() as session:
            set_password(session, name, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {name} changed; their sessions are ended")


@users.command("logout")
@click.argument("name")
def users_logout(name: str) -> None:
    """End every admin session of an operator (a lost laptop, a copied cookie)."""
    from aggregator.users import UserError, end_sessions

    try:
        with get_sessionmaker().begin() as session:
            end_sessions(session, name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"every session of {name} is ended")


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@main.command()
@click.option("--reconcile-interval", default=5.0, show_default=True, help="Seconds between source checks.")
@click.option("--heartbeat-interval", default=5.0, show_default=True, help="Seconds between lease renewals.")
@click.option("--lease-ttl", default=30.0, show_default=True, help="Seconds before a silent lease is taken.")
def scheduler(reconcile_interval: float, heartbeat_interval: float, lease_ttl: float) -> None:
    """Run the crawl scheduler (one is active, others stand by); Ctrl-C or SIGTERM stops it."""
    import logging

    from aggregator.config import get_settings
    from aggregator.executors import ExecutorError, make_executor
    from aggregator.scheduler import CrawlScheduler, Timing, serve

    try:
        make_executor(get_settings())
    except ExecutorError as exc:
        raise click.ClickException(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    timing = Timing(reconcile_interval, heartbeat_interval, lease_ttl)
    serve(CrawlScheduler(timing=timing))


@main.group()
def scrapyd() -> None:
    """Scrapyd nodes (executor scrapyd)."""


@scrapyd.command("deploy")
@click.option("--url", "urls", multiple=True, help="Node URL (default: ESS_AGENDA_SCRAPYD_URLS).")
@click.option("--version", "egg_version", help="Project version (default: package version + time).")
def scrapyd_deploy(urls: tuple[str, ...], egg_version: str | None) -> None:
    """Register the project, at this version, on every Scrapyd node."""
    from aggregator.config import get_settings
    from aggregator.executors.deploy import deploy
    from aggregator.executors.scrapyd import ScrapydError

    targets = urls or get_settings().scrapyd_urls
    if not targets:
        raise click.UsageError("give --url or set ESS_AGENDA_SCRAPYD_URLS")
    try:
        for url, spiders in deploy(targets, egg_version):
            click.echo(f"{url}: deployed, {spiders} spiders")
    except ScrapydError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
