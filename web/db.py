"""One database session per request, closed on teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aggregator.db import get_engine as engine_for
from aggregator.db import get_sessionmaker


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["ess_agenda_sessions"]()
    session: Session = g.db_session
    return session


def get_engine() -> Engine:
    """The app's engine, for the few reads that need no ORM session."""
    engine: Engine = current_app.extensions["ess_agenda_engine"]
    return engine


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    # One factory per app: building a sessionmaker per request costs more than a cached feed.
    app.extensions["ess_agenda_sessions"] = get_sessionmaker(app.config["DATABASE_URL"])
    app.extensions["ess_agenda_engine"] = engine_for(app.config["DATABASE_URL"])  # the sessions' own
    app.teardown_appcontext(close_session)
