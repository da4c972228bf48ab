"""Dedup corrections: an operator says two events are the same, or not; every later dedup obeys."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response

from aggregator.dedup.corrections import CorrectionError, mark_different, mark_same, separate_listing
from aggregator.models import DedupCorrection, Listing
from web.admin import bp
from web.admin.forms import ActionForm, CorrectionForm
from web.db import get_session

CORRECTIONS_SHOWN = 50


@bp.route("/corrections", methods=["GET", "POST"])
def corrections() -> Response | str:
    """The correction form (``?uid_a=`` prefills it) and the latest corrections."""
    form = CorrectionForm(
        data={"uid_a": request.args.get("uid_a", ""), "uid_b": request.args.get("uid_b", "")}
    )
    if form.validate_on_submit():
        uid_a, uid_b = (form.uid_a.data or "").strip(), (form.uid_b.data or "").strip()
        mark = mark_same if form.verdict.data == "same" else mark_different
        session = get_session()
        try:
            mark(session, uid_a, uid_b, current_user.name)
            session.commit()
        except CorrectionError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Correction enregistrée ; la déduplication en tient compte désormais."), "success")
            return redirect(url_for("admin.corrections"))
    return render_template("admin/corrections.html", form=form, corrections=_latest())


@bp.post("/listings/<int:listing_id>/separate")
def separate(listing_id: int) -> Response:
    """Take one listing out of the event it was merged into, for good."""
    session = get_session()
    listing = session.get(Listing, listing_id)
    if listing is None:
        abort(404, _("Aucune annonce n° %(id)s.", id=listing_id))
    source_name = listing.source.name
    if ActionForm().validate_on_submit():
        separate_listing(session, listing_id, current_user.name)
        session.commit()
        flash(_("Annonce séparée de son événement ; la déduplication la laisse à part désormais."), "success")
    return redirect(url_for("admin.source_events", name=source_name))


def _latest() -> list[tuple[DedupCorrection, Listing, Listing]]:
    listing_a, listing_b = aliased(Listing), aliased(Listing)
    rows = get_session().execute(
        select(DedupCorrection, listing_a, listing_b)
        .join(listing_a, listing_a.id == DedupCorrection.listing_a_id)
        .join(listing_b, listing_b.id == DedupCorrection.listing_b_id)
        .order_by(DedupCorrection.id.desc())
        .limit(CORRECTIONS_SHOWN)
    )
    return [(correction, a, b) for correction, a, b in rows]
