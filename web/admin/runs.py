"""Crawl runs in the admin: history with counters, one run with its errors and log tail, cancel."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from aggregator.crawl import request_cancel
from aggregator.health import runs_query
from aggregator.models import CrawlRun
from aggregator.runs import RUN_STATUSES
from web.admin import bp
from web.admin.forms import ActionForm
from web.db import get_session

RUNS_SHOWN = 100


def get_run(run_id: int) -> CrawlRun:
    """The run ``run_id``.

    :raise 404: no such run.
    """
    run = get_session().get(CrawlRun, run_id)
    if run is None:
        abort(404, _("Aucune exploration n° %(id)s.", id=run_id))
    return run


@bp.get("/runs")
def runs() -> str:
    """The latest runs of every source, or of one (``?source=NAME``), newest first."""
    source_name = request.args.get("source") or None
    status = request.args.get("status") or None
    query = runs_query(source_name, RUNS_SHOWN)
    if status in RUN_STATUSES:
        query = query.where(CrawlRun.status == status)
    return render_template(
        "admin/runs.html",
        runs=list(get_session().scalars(query)),
        source_name=source_name,
        status=status,
        statuses=RUN_STATUSES,
    )


@bp.get("/runs/<int:run_id>")
def run(run_id: int) -> str:
    """One run: counters, first errors and the end of its log."""
    return render_template("admin/run.html", run=get_run(run_id))


@bp.post("/runs/<int:run_id>/cancel")
def cancel_run(run_id: int) -> Response:
    """Ask whoever watches the crawl to stop it."""
    run = get_run(run_id)
    if ActionForm().validate_on_submit():
        if request_cancel(run):
            get_session().commit()
            flash(_("Arrêt demandé : l'exploration s'arrête dans quelques secondes."), "success")
        else:
            flash(_("Cette exploration est déjà terminée."), "error")
    return redirect(url_for("admin.run", run_id=run_id))
