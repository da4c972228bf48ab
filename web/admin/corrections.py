"""Dedup corrections: an operator says two events are the same, or not; every later dedup obeys."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response

from aggregator.models import DedupCorrection, Listing
from web.admin import bp
from web.admin.forms import CorrectionForm
from web.db import get_session

CORRECTIONS_SHOWN = 50


@bp.route("/corrections", methods=["GET", "POST"])
def corrections() -> Response | str:
    """The correction form (``?uid_a=`` prefills it) and the latest corrections."""
    from aggregator.dedup.corrections import mark_different, mark_same

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
        except (LookupError, ValueError) as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Correction enregistrée ; la déduplication en tient compte désormais."), "success")
            return redirect(url_for("admin.corrections"))
    return render_template("admin/corrections.html", form=form, corrections=_latest())


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
