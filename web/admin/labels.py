"""Words and times as the admin shows them: statuses, triggers, Paris-time dates."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from aggregator.cron import PARIS
from web.admin import bp

STATUS_LABELS = {
    "running": _l("en cours"),
    "succeeded": _l("réussie"),
    "failed": _l("échouée"),
    "partial": _l("partielle"),
    "cancelled": _l("annulée"),
    "timed_out": _l("hors délai"),
    "suspect": _l("suspecte"),
    "failing": _l("en échec"),
    "disabled": _l("désactivée"),
    "never": _l("jamais explorée"),
    "ok": _l("en bonne santé"),
}
TRIGGER_LABELS = {
    "schedule": _l("planifiée"),
    "manual": _l("à la demande"),
    "cli": _l("ligne de commande"),
}


@bp.app_template_global()
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


@bp.app_template_global()
def trigger_label(value: str) -> str:
    return str(TRIGGER_LABELS.get(value, value))


@bp.app_template_filter("admin_time")
def admin_time(value: datetime | None) -> str:
    """A moment in Paris time, to the minute."""
    if value is None:
        return ""
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
