"""Signing operators in and out (Flask-Login), with rate-limited attempts (Flask-Limiter)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from aggregator.models import User
from aggregator.users import authenticate, end_sessions
from web.admin import bp
from web.admin.forms import ActionForm, LoginForm
from web.db import get_session
from web.redirects import local_path

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = ""
login_manager.session_protection = "strong"
limiter = Limiter(key_func=get_remote_address)


@dataclass(frozen=True)
class Operator(UserMixin):
    """A signed-in user. The session id carries the user's session generation, which signing out,
    a new password or ``ess-agenda users logout`` raises: the server ends sessions, not only the
    browser that holds one."""

    user_id: int
    name: str
    stamp: str

    def get_id(self) -> str:
        return f"{self.user_id}:{self.stamp}"


def _stamp(user: User) -> str:
    return f"{user.session_generation}.{user.password_hash[-12:]}"


def _operator(user: User) -> Operator:
    return Operator(user.id, user.name, _stamp(user))


@login_manager.user_loader
def load_operator(session_id: str) -> Operator | None:
    user_id, _sep, stamp = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not hmac.compare_digest(_stamp(user), stamp):
        return None
    return _operator(user)


def _login_failed(response: Response) -> bool:
    """Only failed attempts count against the limit (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), methods=["POST"], deduct_when=_login_failed
)
def login() -> Response | tuple[str, int] | str:
    """The sign-in form."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(get_session(), form.name.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            # Not "permanent": Flask-Login's strong protection (a session bound to the browser and
            # address that signed in) only holds for session cookies; the signature still expires
            # after PERMANENT_SESSION_LIFETIME.
            login_user(_operator(user))
            return redirect(_next_page())
        flash(_("Nom ou mot de passe incorrect."), "error")
        return render_template("admin/login.html", form=form), 401
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out, everywhere: every session of this operator ends, a copied cookie included."""
    if ActionForm().validate_on_submit():
        operator = current_user
        if isinstance(operator, Operator):
            db = get_session()
            user = db.get(User, operator.user_id)
            if user is not None:
                end_sessions(db, user.name)
                db.commit()
        logout_user()
        session.clear()
    return redirect(url_for("admin.login"))


def _next_page() -> str:
    """Where the login form was asked from, if that is an admin page of this site."""
    dashboard = url_for("admin.dashboard")
    target = local_path(request.args.get("next"), dashboard)
    return target if target.startswith("/admin/") else dashboard


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    limiter.init_app(app)
    # Only sign-in attempts are limited: whatever limits the limiter is configured with never reach
    # the public pages, feeds and API (their blueprints are registered before the admin's).
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, Blueprint) and blueprint is not bp:
            limiter.exempt(blueprint)
