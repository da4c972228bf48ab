"""Sources in the admin: the health dashboard, adding by URL, editing, enabling, crawling now, deleting."""

from __future__ import annotations

import yaml
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from aggregator import source_admin
from aggregator.crawl import request_run
from aggregator.cron import CronError, effective_schedule, next_runs
from aggregator.health import runs_query, sources_health
from aggregator.lease import lease_state, scheduler_running
from aggregator.models import Event, Listing, Source
from aggregator.source_admin import SourceChanges, add_source, parse_options, suggest_name, update_source
from aggregator.sources import SourceError
from aggregator.types import utcnow
from web.admin import bp
from web.admin.deletion import deleted_message, deletion_impact
from web.admin.discovery import Discoveries, DiscoveryFailed
from web.admin.forms import ActionForm, DeleteSourceForm, EditSourceForm, NewSourceForm
from web.db import get_session

# A scheduler whose heartbeat is older than this is shown as down.
EVENTS_SHOWN = 500


def get_source(name: str) -> Source:
    """The source named ``name``.

    :raise 404: no such source.
    """
    source = get_session().scalars(select(Source).where(Source.name == name)).first()
    if source is None:
        abort(404, _("Aucune source ne s'appelle %(name)s.", name=name))
    return source


@bp.get("/")
def dashboard() -> str:
    """Every source with its health, failing and suspect ones first."""
    session = get_session()
    lease = lease_state(session)
    scheduler_up = scheduler_running(session)
    return render_template(
        "admin/dashboard.html",
        health=sources_health(session),
        lease=lease,
        scheduler_up=scheduler_up,
    )


@bp.route("/sources/new", methods=["GET", "POST"])
def new_source() -> Response | str:
    """Add a source by URL: first see what discovery finds there, then save."""
    form = NewSourceForm()
    findings = None
    pending = False
    if form.validate_on_submit():
        url = (form.url.data or "").strip()
        form.name.data = form.name.data or suggest_name(url)
        if form.save.data:
            changes = SourceChanges(
                title=form.title.data,
                kind=form.kind.data,
                region=form.region.data,
                schedule=form.schedule.data or "",
            )
            session = get_session()
            try:
                source = add_source(session, form.name.data or "", url, changes)
                session.commit()
            except SourceError as exc:
                session.rollback()
                flash(str(exc), "error")
            else:
                flash(_("Source %(name)s ajoutée.", name=source.name), "success")
                return redirect(url_for("admin.source", name=source.name))
        else:
            discoveries: Discoveries = current_app.extensions["ess_agenda_discoveries"]
            try:
                findings = discoveries.find(url, bool(current_app.config["ALLOW_PRIVATE_SOURCES"]))
            except DiscoveryFailed as exc:
                flash(str(exc), "error")
            else:
                pending = findings is None
    return render_template("admin/source_new.html", form=form, findings=findings, pending=pending)


@bp.get("/sources/<name>")
def source(name: str) -> str:
    """One source: its health, settings, next runs, run history and what deleting it would do."""
    source = get_source(name)
    return _source_page(source, DeleteSourceForm(source.name))


def _source_page(source: Source, delete_form: DeleteSourceForm) -> str:
    session = get_session()
    health = next(h for h in sources_health(session) if h.source.id == source.id)
    return render_template(
        "admin/source.html",
        source=source,
        health=health,
        schedule=effective_schedule(source.schedule, source.name),
        upcoming=_upcoming(source.schedule, source.name),
        runs=list(session.scalars(runs_query(source.name, 30))),
        delete_form=delete_form,
        deletion=deletion_impact(session, source, utcnow()),
    )


@bp.route("/sources/<name>/edit", methods=["GET", "POST"])
def edit_source(name: str) -> Response | str:
    """Edit title, URL, kind, options, région and schedule; "check" shows the next five runs."""
    source = get_source(name)
    form = EditSourceForm(
        data={
            "title": source.title,
            "url": source.url,
            "kind": source.kind,
            "region": source.region or "",
            "schedule": source.schedule or "",
            "options": _options_text(source.options),
        }
    )
    schedule = source.schedule
    if form.validate_on_submit():
        schedule = form.schedule.data
        if form.save.data:
            changes = SourceChanges(
                title=form.title.data,
                url=form.url.data,
                kind=form.kind.data,
                region=form.region.data,
                schedule=form.schedule.data or "",
                options=parse_options(form.options.data or ""),
            )
            session = get_session()
            try:
                update_source(source, changes)
                session.commit()
            except SourceError as exc:
                session.rollback()
                flash(str(exc), "error")
            else:
                flash(_("Source %(name)s enregistrée.", name=source.name), "success")
                return redirect(url_for("admin.source", name=source.name))
    return render_template(
        "admin/source_edit.html",
        source=source,
        form=form,
        schedule=effective_schedule(schedule, source.name),
        upcoming=_upcoming(schedule, source.name),
    )


@bp.post("/sources/<name>/enable")
def enable_source(name: str) -> Response:
    """Schedule the source's crawls again."""
    return _set_enabled(name, True)


@bp.post("/sources/<name>/disable")
def disable_source(name: str) -> Response:
    """Stop scheduling the source's crawls."""
    return _set_enabled(name, False)


def _set_enabled(name: str, enabled: bool) -> Response:
    source = get_source(name)
    if ActionForm().validate_on_submit():
        source.enabled = enabled
        get_session().commit()
        message = _("Source activée.") if enabled else _("Source désactivée.")
        flash(message, "success")
    return redirect(url_for("admin.source", name=name))


@bp.post("/sources/<name>/run")
def run_source(name: str) -> Response:
    """Ask the scheduler to crawl the source now."""
    source = get_source(name)
    if ActionForm().validate_on_submit():
        request_run(source)
        get_session().commit()
        flash(_("Exploration demandée : le planificateur la lance dans quelques secondes."), "success")
    return redirect(url_for("admin.source", name=name))


@bp.post("/sources/<name>/delete")
def delete_source(name: str) -> Response | str:
    """Delete the source with its runs and listings (``source_admin.delete_source``), its name typed
    again to confirm."""
    source = get_source(name)
    form = DeleteSourceForm(source.name)
    if not form.validate_on_submit():
        return _source_page(source, form)
    session = get_session()
    try:
        gone = source_admin.delete_source(session, source.name)
        session.commit()
    except SourceError as exc:
        session.rollback()
        flash(_refusal(source, exc), "error")
        return redirect(url_for("admin.source", name=name))
    flash(deleted_message(name, gone), "success")
    return redirect(url_for("admin.dashboard"))


def _refusal(source: Source, exc: SourceError) -> str:
    if isinstance(exc, source_admin.CrawlInProgress):
        return _(
            "Une exploration de %(name)s est en cours : arrêtez-la, ou attendez qu'elle finisse, "
            "avant de supprimer la source. Rien n'a été supprimé.",
            name=source.name,
        )
    return str(exc)


@bp.get("/sources/<name>/events")
def source_events(name: str) -> str:
    """The listings of the source, with the canonical event each one belongs to."""
    source = get_source(name)
    listings = get_session().scalars(
        select(Listing)
        .where(Listing.source_id == source.id)
        .options(joinedload(Listing.event).selectinload(Event.listings))
        .order_by(Listing.removed, Listing.start.desc())
        .limit(EVENTS_SHOWN)
    )
    return render_template("admin/source_events.html", source=source, listings=list(listings))


def _upcoming(schedule: str | None, name: str) -> list[object]:
    try:
        return list(next_runs(effective_schedule(schedule, name)))
    except CronError:
        return []


def _options_text(options: dict[str, object]) -> str:
    return yaml.safe_dump(options, allow_unicode=True, sort_keys=False) if options else ""
