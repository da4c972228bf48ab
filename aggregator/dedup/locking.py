"""One deduplication at a time per database, whichever process runs it.

Two crawls of different sources that store the same event at the same moment must end with one
canonical event: each dedup takes this lock first and holds it until its transaction ends, so the
second one sees what the first wrote.
"""

from __future__ import annotations

import zlib

from sqlalchemy import false, text, update
from sqlalchemy.orm import Session

from aggregator.db import is_postgresql
from aggregator.models import DataVersion

DEDUP_LOCK_KEY = zlib.crc32(b"ess-agenda dedup")


def lock_for_dedup(session: Session) -> None:
    """Wait for the dedup lock; it is released when the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: any write takes the database's write
    lock, which serialises writers; an UPDATE that matches nothing is the cheapest write.
    """
    session.flush()  # what the caller changed is written before objects are reloaded below
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEDUP_LOCK_KEY})
    else:
        session.execute(update(DataVersion).where(false()).values(version=DataVersion.version))
    # Objects loaded before the lock may predate another process's dedup: reload them.
    session.expire_all()
