"""Settings from the environment, read in one place.

ESS_AGENDA_DATABASE_URL   SQLAlchemy URL of the shared database (default: SQLite under ./var/)
ESS_AGENDA_UID_HOST       host part of minted event UIDs (default: ess-agenda.fr)
ESS_AGENDA_CONTACT_URL    contact URL sent in the crawler's User-Agent
ESS_AGENDA_SECRET_KEY     Flask secret key (sessions, CSRF)
ESS_AGENDA_FEED_PAST_DAYS how many past days feeds keep (default: 400, so subscribers keep their year)
ESS_AGENDA_PUBLIC_URL     the site's public address, used in every absolute link instead of the Host sent
ESS_AGENDA_PROXIES        reverse proxies in front of the web app whose X-Forwarded-* to trust (default: 0)
ESS_AGENDA_EXECUTOR       where crawls run: local (subprocesses, default) or scrapyd
ESS_AGENDA_SCRAPYD_URLS   Scrapyd nodes, comma-separated (executor scrapyd)
ESS_AGENDA_MAX_CRAWLS     crawls the scheduler runs at once (default: 4)
ESS_AGENDA_CRAWL_TIME_LIMIT  seconds a crawl may run, unless its source says otherwise (default: 1200)
ESS_AGENDA_SCHEDULE_JITTER   seconds added at random to scheduled start times (default: 300)
ESS_AGENDA_ALLOW_PRIVATE_SOURCES  discovery may fetch loopback and private addresses (default: 0)
ESS_AGENDA_SECURE_COOKIES session cookies sent over HTTPS only (default: 1)
ESS_AGENDA_RATELIMIT_STORAGE storage of login rate limits, e.g. redis://127.0.0.1:6379 (default: memory://)
ESS_AGENDA_TILE_URL       map tiles, {z}/{x}/{y} template (default: the OpenStreetMap tile server)
ESS_AGENDA_TILE_ATTRIBUTION  the tiles' attribution, HTML (default: OpenStreetMap's)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_PATH = Path("var") / "ess-agenda.sqlite3"
# A subscribed calendar drops what leaves its feed: keep more than a year, so last year's events stay.
DEFAULT_FEED_PAST_DAYS = 400
DEV_SECRET_KEY = "dev-insecure-key"  # public: the admin refuses to run on it outside tests
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d\'OpenStreetMap</a>'
)


def _default_database_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH.resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_DATABASE_URL") or _default_database_url()
    )
    uid_host: str = field(default_factory=lambda: os.environ.get("ESS_AGENDA_UID_HOST", "ess-agenda.fr"))
    contact_url: str = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_CONTACT_URL", "https://ess-agenda.fr/contact")
    )
    secret_key: str = field(default_factory=lambda: os.environ.get("ESS_AGENDA_SECRET_KEY", DEV_SECRET_KEY))
    feed_past_days: int = field(
        default_factory=lambda: int(os.environ.get("ESS_AGENDA_FEED_PAST_DAYS", DEFAULT_FEED_PAST_DAYS))
    )
    public_url: str | None = field(default_factory=lambda: os.environ.get("ESS_AGENDA_PUBLIC_URL") or None)
    proxies: int = field(default_factory=lambda: int(os.environ.get("ESS_AGENDA_PROXIES", "0")))
    executor: str = field(default_factory=lambda: os.environ.get("ESS_AGENDA_EXECUTOR", "local"))
    scrapyd_urls: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            u.strip() for u in os.environ.get("ESS_AGENDA_SCRAPYD_URLS", "").split(",") if u.strip()
        )
    )
    max_crawls: int = field(default_factory=lambda: int(os.environ.get("ESS_AGENDA_MAX_CRAWLS", "4")))
    crawl_time_limit: int = field(
        default_factory=lambda: int(os.environ.get("ESS_AGENDA_CRAWL_TIME_LIMIT", "1200"))
    )
    schedule_jitter: int = field(
        default_factory=lambda: int(os.environ.get("ESS_AGENDA_SCHEDULE_JITTER", "300"))
    )
    allow_private_sources: bool = field(
        default_factory=lambda: (
            os.environ.get("ESS_AGENDA_ALLOW_PRIVATE_SOURCES", "0") in ("1", "true", "yes")
        )
    )
    secure_cookies: bool = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_SECURE_COOKIES", "1") not in ("0", "false", "no")
    )
    ratelimit_storage: str = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_RATELIMIT_STORAGE", "memory://")
    )
    tile_url: str = field(default_factory=lambda: os.environ.get("ESS_AGENDA_TILE_URL") or DEFAULT_TILE_URL)
    tile_attribution: str = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_TILE_ATTRIBUTION") or DEFAULT_TILE_ATTRIBUTION
    )


def get_settings() -> Settings:
    return Settings()


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` cannot sign admin sessions (unset, the public development key, too short), or None."""
    if not key or key == DEV_SECRET_KEY:
        return "ESS_AGENDA_SECRET_KEY is not set"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"ESS_AGENDA_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    return None
