"""The agenda's vocabulary in the reader's language: category labels are stored in French."""

from __future__ import annotations

from flask_babel import gettext

from aggregator.normalize.categories import BY_LABEL


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


# Every label of aggregator.normalize.categories, marked (a test checks none is missing).
CATEGORY_LABELS = frozenset(
    (
        N_("Mois de l'ESS"),
        N_("Atelier"),
        N_("Forum"),
        N_("Conférence / table ronde"),
        N_("Formation"),
        N_("Rencontre / réseau"),
        N_("Salon / marché"),
        N_("Portes ouvertes"),
        N_("Assemblée générale"),
        N_("Webinaire"),
        N_("Fête / festival"),
        N_("Permanence"),
    )
)


def category_name(label: str) -> str:
    """A stored category label as the reader's language says it."""
    return gettext(label) if label in CATEGORY_LABELS else label


def category_class(label: str) -> str:
    """The CSS class giving a category its colour ("tag--atelier")."""
    category = BY_LABEL.get(label)
    return f"tag--{category.slug}" if category else ""
