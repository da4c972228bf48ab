"""What templates may call: date phrases, filtered URLs, subscription links, the current language."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale

from web import dates
from web.facets import facet_options
from web.filters import category_slug, department_label, department_name, value_label
from web.ical import description_text
from web.labels import category_class, category_name
from web.links import filtered_url, subscription


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def _current_path() -> str:
    return request.full_path.rstrip("?") if request else "/"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        day_label=dates.day_label,
        month_label=dates.month_label,
        weekday=dates.weekday,
        when=dates.when,
        hours=dates.hours,
    )
    globals_: dict[str, Any] = {
        "filtered_url": filtered_url,
        "subscription": subscription,
        "language": _language,
        "current_path": _current_path,
        "plain_description": description_text,
        "value_label": value_label,
        "department_label": department_label,
        "department_name": department_name,
        "category_slug": category_slug,
        "category_name": category_name,
        "category_class": category_class,
        "facet_options": facet_options,
        "weekend_of": dates.weekend_of,
        "iso_week": dates.iso_week,
        "last_month": dates.last_month,
        "date_range": dates.date_range,
    }
    app.jinja_env.globals.update(globals_)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
