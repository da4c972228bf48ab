"""One database session per request, closed on teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = get_sessionmaker(current_app.config["DATABASE_URL"])()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_session)
