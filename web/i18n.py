"""Languages: French first, English second; chosen by a switch (a cookie), else Accept-Language."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from werkzeug.wrappers import Response

from web.redirects import local_path

bp = Blueprint("i18n", __name__)

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """The visitor's choice, else their browser's preference among ours, else French."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE


@bp.get("/lang/<code>")
def switch(code: str) -> Response:
    """Remember the chosen language and go back to the page it was chosen on."""
    if code not in LOCALES:
        abort(404)
    response = redirect(local_path(request.args.get("next")))
    response.set_cookie(
        COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True, secure=request.is_secure
    )
    return response
