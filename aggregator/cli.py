"""The ``ess-agenda`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select

from aggregator.db import get_engine, get_sessionmaker
from aggregator.models import Source
from aggregator.schema import upgrade
from aggregator.sources import SourceError, read_sources_file, source_as_dict, upsert_sources


@click.group()
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
    with get_sessionmaker().begin() as session:
        created, updated = upsert_sources(session, specs)
    click.echo(f"{len(specs)} sources: {created} created, {updated} updated")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources_list(as_json: bool) -> None:
    """List partner sources."""
    with get_sessionmaker()() as session:
        rows = [source_as_dict(s) for s in session.scalars(select(Source).order_by(Source.name))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "" if row["enabled"] else "  (disabled)"
        click.echo(f"{row['name']:<24} {row['kind']:<10} {row['url']}{state}")


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every enabled source.")
@click.option("--workers", default=2, show_default=True, help="Crawls running at once.")
def crawl(names: tuple[str, ...], crawl_all: bool, workers: int) -> None:
    """Crawl sources, store their listings and deduplicate; exit 1 if any source failed."""
    from aggregator.crawl import run_crawls

    with get_sessionmaker()() as session:
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
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON (required).")
@click.option("--region", help="Only events in this région.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="From this day on.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Up to this day.")
def events(as_json: bool, region: str | None, start: object, end: object) -> None:
    """Print canonical events as JSON."""
    from aggregator.export import event_as_dict, events_query

    first = start.date() if start is not None else None  # type: ignore[attr-defined]
    last = end.date() if end is not None else None  # type: ignore[attr-defined]
    with get_sessionmaker()() as session:
        rows = [event_as_dict(e) for e in session.scalars(events_query(region, first, last))]
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--threads", default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the agenda and its feeds (production WSGI server)."""
    from waitress import serve as waitress_serve

    from web import create_app

    click.echo(f"ESS Agenda on http://{host}:{port}/")
    waitress_serve(create_app(), host=host, port=port, threads=threads)


@main.command()
@click.option("--port", default=5000, show_default=True, help="Port of the agenda.")
def demo(port: int) -> None:
    """Crawl the bundled sample partner sites into a fresh database and serve the agenda."""
    from aggregator.demo import run_demo

    run_demo(port=port, echo=click.echo)


if __name__ == "__main__":
    main()
