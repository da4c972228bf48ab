"""Event identity: UIDs minted once, and the data version feeds derive their ETags from."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.config import get_settings
from aggregator.models import DataVersion
from aggregator.types import utcnow


def mint_uid() -> str:
    return f"{secrets.token_hex(10)}@{get_settings().uid_host}"


def bump_data_version(session: Session) -> None:
    """Tell every cache keyed on the data version that events changed."""
    row = session.scalars(select(DataVersion).with_for_update()).first()
    if row is None:
        session.add(DataVersion(version=1, changed_at=utcnow()))
    else:
        row.version += 1
        row.changed_at = utcnow()
