"""Settings from the environment, read in one place.

ESS_AGENDA_DATABASE_URL   SQLAlchemy URL of the shared database (default: SQLite under ./var/)
ESS_AGENDA_UID_HOST       host part of minted event UIDs (default: ess-agenda.fr)
ESS_AGENDA_CONTACT_URL    contact URL sent in the crawler's User-Agent
ESS_AGENDA_SECRET_KEY     Flask secret key (sessions, CSRF)
ESS_AGENDA_FEED_PAST_DAYS how many past days feeds keep (default: 7)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_PATH = Path("var") / "ess-agenda.sqlite3"


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
    secret_key: str = field(
        default_factory=lambda: os.environ.get("ESS_AGENDA_SECRET_KEY", "dev-insecure-key")
    )
    feed_past_days: int = field(default_factory=lambda: int(os.environ.get("ESS_AGENDA_FEED_PAST_DAYS", "7")))


def get_settings() -> Settings:
    return Settings()
