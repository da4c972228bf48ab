"""Words and times as the admin shows them: statuses, triggers, sources' roles, why a value was
chosen, Paris-time dates."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from aggregator.cron import PARIS
from aggregator.dedup import merge, precedence
from aggregator.dedup.disagreements import PLACE, TIMES
from aggregator.dedup.precedence import Role
from aggregator.fragments import place_text
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

ROLE_LABELS = {
    precedence.ORGANIZER: _l("organisateur"),
    precedence.REGIONAL: _l("réseau régional"),
    precedence.NATIONAL: _l("agrégateur national"),
    precedence.COPY: _l("reprise"),
}
REASON_LABELS = {
    merge.AGENDA: _l("une annonce d'agenda plutôt qu'un article"),
    merge.DECLARED: _l("le rôle déclaré de la source"),
    merge.OWN: _l("la source de l'organisateur"),
    merge.MAJORITY: _l("la valeur du plus grand nombre de sources"),
    merge.SPECIFIC: _l("la valeur la plus précise"),
    merge.ORDER: _l("à égalité, l'ordre des sources"),
}
GROUP_LABELS = {TIMES: _l("Horaires"), PLACE: _l("Lieu")}

bp.add_app_template_global(place_text)  # an event's or a listing's place, as the agenda writes it


@bp.app_template_global()
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


@bp.app_template_global()
def trigger_label(value: str) -> str:
    return str(TRIGGER_LABELS.get(value, value))


@bp.app_template_global()
def role_label(role: Role) -> str:
    """ "organisateur (déclaré)", "organisateur (déduit)", "reprise"."""
    label = str(ROLE_LABELS.get(role.name, role.name))
    if role.declared:
        return str(_l("%(role)s (déclaré)", role=label))
    if role.name == precedence.ORGANIZER:
        return str(_l("%(role)s (déduit)", role=label))
    return label


@bp.app_template_global()
def reason_label(value: str) -> str:
    return str(REASON_LABELS.get(value, value))


@bp.app_template_global()
def group_label(value: str) -> str:
    return str(GROUP_LABELS.get(value, value))


@bp.app_template_filter("admin_time")
def admin_time(value: datetime | None) -> str:
    """A moment in Paris time, to the minute."""
    if value is None:
        return ""
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
