"""The ESS Agenda web app: agenda pages and iCal feeds over the shared database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from aggregator.config import get_settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults from the environment, then ``test_config``, then the blueprints."""
    settings = get_settings()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        FEED_PAST_DAYS=settings.feed_past_days,
    )
    if test_config:
        app.config.from_mapping(test_config)

    from web import db

    db.init_app(app)

    from web import agenda, feeds

    app.register_blueprint(agenda.bp)
    app.register_blueprint(feeds.bp)
    return app
