"""Errors at the edge: a page (or JSON, or plain text for feeds) saying what went wrong."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from aggregator.db import cannot_write
from web.api_edge import under_api
from web.filters import FilterError

logger = logging.getLogger(__name__)


def _respond(status: int, title: str, message: str, param: str | None = None) -> Response | tuple[str, int]:
    if under_api():
        body = {"error": message, **({"param": param} if param else {})}
        response = jsonify(body)
        response.status_code = status
        return response
    if request.blueprint == "feeds":
        return Response(f"{title}\n{message}\n", status=status, mimetype="text/plain")
    return render_template(
        "errors/error.html", status=status, title=title, message=message, param=param
    ), status


def bad_filter(error: FilterError) -> Response | tuple[str, int]:
    return _respond(400, gettext("Paramètre invalide"), error.message, error.param)


def http_error(error: HTTPException) -> HTTPException | Response | tuple[str, int]:
    if error.code is None or error.code < 400:
        return error
    titles = {
        400: gettext("Requête invalide"),
        403: gettext("Accès refusé"),
        404: gettext("Page introuvable"),
        405: gettext("Méthode non permise"),
        413: gettext("Requête trop volumineuse"),
        429: gettext("Trop de tentatives"),
    }
    # Werkzeug's (and Flask-Limiter's) own descriptions are English whatever the page's language.
    generic = {
        403: gettext("Vous n'avez pas accès à cette page, ou le formulaire a expiré : rechargez la page."),
        404: gettext("Cette adresse ne mène à aucune page de l'agenda."),
        405: gettext("Cette adresse ne s'utilise pas ainsi."),
        413: gettext("Ce qui a été envoyé est trop volumineux."),
        429: gettext("Trop de tentatives en peu de temps : attendez une minute avant de réessayer."),
    }
    message = error.description or ""
    if message == type(error).description or error.code == 429:
        message = generic.get(error.code, gettext("La requête n'a pas pu aboutir."))
    title = titles.get(error.code) or gettext("Erreur %(code)s", code=error.code)
    return _respond(error.code, title, message)


def server_error(error: InternalServerError) -> Response | tuple[str, int]:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    if error.original_exception is not None and cannot_write(error.original_exception):
        # A read-only or full database still serves every page; only a change waits.
        logger.error("database not writable on %s: %s", request.path, error.original_exception)
        message = gettext(
            "La base de données ne peut pas être modifiée pour le moment (disque plein ou en lecture "
            "seule) : rien n'a été changé. Les pages restent consultables."
        )
        return _respond(503, gettext("Modification impossible"), message)
    logger.error("internal error on %s", request.path, exc_info=error.original_exception)
    message = gettext("Une erreur est survenue de notre côté ; réessayez plus tard.")
    return _respond(500, gettext("Erreur interne"), message)


def init_app(app: Flask) -> None:
    app.register_error_handler(FilterError, bad_filter)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, server_error)
