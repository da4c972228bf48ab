"""The operators' admin under /admin: sources and their health, crawl runs, dedup corrections, and
each event's sources with where they disagree.

Every request to the blueprint but the login page needs a signed-in operator, and every request that
changes something needs the form's CSRF token (Flask-WTF); both checks run before any view, so no
view can forget them. Login attempts are rate-limited per client address (Flask-Limiter).

Outside tests (``TESTING``), the admin answers 503 until the secret key is a real one: anyone knowing
the development key could sign a session cookie of their own.

Config: ``SECURE_COOKIES`` (session cookie over HTTPS only; default ESS_AGENDA_SECURE_COOKIES),
``RATELIMIT_STORAGE_URI`` (default ESS_AGENDA_RATELIMIT_STORAGE), ``LOGIN_RATE_LIMIT``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from aggregator.config import get_settings, secret_key_problem
from web.admin.discovery import Discover

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf = CSRFProtect()

OPEN_ENDPOINTS = {"admin.login"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def guard() -> Response | None:
    """Signed-in operators only (the login page aside); a CSRF token on every change."""
    from web.admin.auth import login_manager

    refusal = current_app.config["ADMIN_REFUSAL"]
    if refusal:
        abort(503, _("L'administration est fermée : %(reason)s.", reason=refusal))
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            abort(401)
        response: Response = login_manager.unauthorized()
        return response
    if request.method not in SAFE_METHODS:
        csrf.protect()
    return None


def admin_refusal(app: Flask) -> str | None:
    """Why the admin cannot be served by ``app`` (an operator must set a real secret key), or None."""
    return secret_key_problem(app.config.get("SECRET_KEY"))


def init_app(app: Flask, discover: Discover | None = None) -> None:
    """Register the admin: blueprint, sign-in, CSRF, rate limits and cookie hardening; ``discover``
    reads what a site offers (web.admin.discovery)."""
    settings = get_settings()
    secure = bool(app.config.get("SECURE_COOKIES", settings.secure_cookies))
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.config["ADMIN_REFUSAL"] = None if app.testing else admin_refusal(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.ratelimit_storage)
    app.config.setdefault("LOGIN_RATE_LIMIT", "10 per minute")
    # Only the admin changes anything: its guard asks for the token, the public pages are not checked.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)

    from web.admin import auth, corrections, events, labels, runs, sources  # noqa: F401  (they join bp)
    from web.admin.discovery import Discoveries, no_discovery

    auth.init_app(app)
    app.extensions["ess_agenda_discoveries"] = Discoveries(discover or no_discovery)
    app.register_blueprint(bp)
