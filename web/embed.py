"""The agenda on partner sites: ``/embed`` for an iframe, ``/integrer`` to build its snippet.

``/embed`` takes the agenda's filters plus theme parameters: ``accent`` (a colour, ``#RRGGBB``),
``layout`` (``list`` or ``cards``) and ``limit`` (events shown, 1–50). It alone may be framed by
any site; its links open the full event pages in a new tab. ``/embed/theme.css`` carries the accent
(the policy allows no inline style), and ``static/embed-resize.js``, loaded by the partner's page,
sizes the iframe to the height the embedded page posts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from markupsafe import escape
from werkzeug.wrappers import Response

from web.agenda import LIST_ONLY, by_day
from web.dates import today
from web.db import get_session
from web.facets import facet_counts
from web.filters import FilterError, Filters, checked_titles, describe, regions
from web.http import kept_view
from web.links import filtered_url
from web.queries import count_matching, load_in_order, page_ids
from web.security import policy

bp = Blueprint("embed", __name__)

LAYOUTS = ("list", "cards")
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
DEFAULT_ACCENT = "#1d5e4f"
_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
THEME_MAX_AGE = 86400


@dataclass(frozen=True)
class Theme:
    """How an embedded agenda looks; only non-default values go in its URL."""

    accent: str = DEFAULT_ACCENT
    layout: str = "list"
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(cls, args: Any) -> Theme:
        values: dict[str, Any] = {}
        accent = args.get("accent", "").strip()
        if accent:
            values["accent"] = colour(accent)
        layout = args.get("layout", "").strip()
        if layout:
            if layout not in LAYOUTS:
                raise FilterError("layout", gettext("« %(value)s » : attendu list ou cards.", value=layout))
            values["layout"] = layout
        limit = args.get("limit", "").strip()
        if limit:
            if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
                raise FilterError(
                    "limit", gettext("limit : un entier de 1 à %(max)s est attendu.", max=MAX_LIMIT)
                )
            values["limit"] = int(limit)
        return cls(**values)

    def to_args(self) -> dict[str, str]:
        defaults = Theme()
        args = {"accent": self.accent.lstrip("#"), "layout": self.layout, "limit": str(self.limit)}
        return {name: value for name, value in args.items() if getattr(self, name) != getattr(defaults, name)}


def colour(value: str) -> str:
    """ "#1D5E4F", "1d5e4f" or "#1d5" → "#1d5e4f"; anything else is refused."""
    match = _COLOUR.match(value)
    if match is None:
        raise FilterError(
            "accent", gettext("« %(value)s » n'est pas une couleur : écrivez-la #RRGGBB.", value=value)
        )
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return f"#{digits}"


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def readable_on(hex_colour: str) -> str:
    """White or near-black text, whichever contrasts more with the accent."""
    luminance = _luminance(hex_colour)
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#1b1f23"


def embed_url(filters: Filters, theme: Theme, **extra: Any) -> str:
    args: dict[str, Any] = {**filters.to_args(), **theme.to_args(), **extra}
    return url_for("embed.agenda", **args)


@bp.get("/embed")
@kept_view
def agenda() -> Response:
    """The next events of any agenda view, compact, for an iframe on any site."""
    filters = Filters.parse(request.args)
    theme = Theme.parse(request.args)
    session = get_session()
    titles = checked_titles(session, filters)
    start = today()
    events = load_in_order(session, page_ids(session, filters, start, 1, theme.limit), *LIST_ONLY)
    body = render_template(
        "embed.html",
        filters=filters,
        theme=theme,
        days=by_day(events, filters.start or start),
        events=events,
        total=count_matching(session, filters, start),
        description=describe(filters, titles),
        full_agenda=filtered_url("agenda.index", filters, _external=True),
        theme_css=url_for("embed.theme_css", accent=theme.accent.lstrip("#")),
    )
    response = Response(body, mimetype="text/html")
    # Framable by any site, this page only; no X-Frame-Options (see web.security).
    response.headers["Content-Security-Policy"] = policy(**{"frame-ancestors": "*"})
    return response


@bp.get("/embed/theme.css")
def theme_css() -> Response:
    """The accent colour of an embedded agenda, and a text colour readable on it."""
    accent = colour(request.args.get("accent", DEFAULT_ACCENT))
    body = f":root {{ --embed-accent: {accent}; --embed-on-accent: {readable_on(accent)}; }}\n"
    response = Response(body, mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={THEME_MAX_AGE}"
    return response


@bp.get("/integrer")
def builder() -> str:
    """Where a partner picks filters and a look, previews the result and copies the snippet."""
    filters = Filters.parse(request.args)
    theme = Theme.parse(request.args)
    session = get_session()
    titles = checked_titles(session, filters)
    counts = facet_counts(session, filters, today())
    src = embed_url(filters, theme, _external=True)
    script = url_for("static", filename="embed-resize.js", _external=True)
    title = escape(gettext("Agenda de l'ESS"))
    iframe = (
        f'<iframe src="{escape(src)}" title="{title}" width="100%" height="600" loading="lazy" '
        f"data-ess-agenda></iframe>"
    )
    chosen: dict[str, list[str]] = {}
    for param, value in filters.active():
        chosen.setdefault(param, []).append(value)
    return render_template(
        "integrer.html",
        filters=filters,
        chosen=chosen,
        theme=theme,
        counts=counts,
        regions=regions(),
        titles=titles,
        description=describe(filters, titles),
        preview=embed_url(filters, theme),
        iframe_snippet=iframe,
        script_snippet=f'<script src="{script}" async></script>',
        layouts=LAYOUTS,
        max_limit=MAX_LIMIT,
    )
