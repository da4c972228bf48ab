"""The ESS Agenda web app: agenda pages, iCal and Atom feeds and a JSON API over the shared database.

Config (from the environment through aggregator.config, overridable by ``create_app(test_config)``):
``DATABASE_URL``, ``SECRET_KEY``, ``FEED_PAST_DAYS`` (past days iCal feeds keep), ``PUBLIC_URL`` (the
address absolute links say), ``PROXIES`` (trusted reverse proxies), ``ALLOW_PRIVATE_SOURCES`` (the
admin's discovery may fetch loopback and private addresses), ``ATOM_ENTRIES``,
``TODAY`` (pin today's date, ``YYYY-MM-DD``, for demos and tests), ``TILE_URL`` and
``TILE_ATTRIBUTION`` (the map's tiles).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from werkzeug.middleware.proxy_fix import ProxyFix

from aggregator.config import get_settings
from web import origin
from web.admin.discovery import Discover

TRANSLATIONS = Path(__file__).parent / "translations"


def create_app(test_config: Mapping[str, Any] | None = None, discover: Discover | None = None) -> Flask:
    """Build the app: defaults from the environment, then ``test_config``, then the blueprints;
    ``discover`` is the admin's discovery (``aggregator.cli.web_app`` gives it)."""
    settings = get_settings()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        FEED_PAST_DAYS=settings.feed_past_days,
        PUBLIC_URL=settings.public_url,
        PROXIES=settings.proxies,
        ALLOW_PRIVATE_SOURCES=settings.allow_private_sources,
        ATOM_ENTRIES=200,
        TILE_URL=settings.tile_url,
        TILE_ATTRIBUTION=settings.tile_attribution,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # Inside the proxies' fix: the configured address has the last word over X-Forwarded-Host.
    app.wsgi_app = origin.wrap(app.wsgi_app, app.config["PUBLIC_URL"])  # type: ignore[method-assign]
    if app.config["PROXIES"]:
        # Behind a TLS-terminating proxy, feed URLs offered to subscribers must say https.
        hops = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from web import api_edge, db, errors, i18n, security, templating
    from web.cache import VersionedCache
    from web.http import HighWater

    db.init_app(app)
    Babel(app, locale_selector=i18n.select_locale)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    api_edge.init_app(app)
    app.extensions["ess_agenda_cache"] = VersionedCache()
    app.extensions["ess_agenda_last_modified"] = HighWater()

    from web import admin, agenda, api, embed, events, feeds, images, map, site

    app.register_blueprint(agenda.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(map.bp)
    app.register_blueprint(map.api)
    app.register_blueprint(embed.bp)
    app.register_blueprint(i18n.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(images.bp)
    admin.init_app(app, discover)
    return app
