"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator, func
from sqlalchemy.orm import mapped_column

from aggregator import clock


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL sort and compare alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where an aware one is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return clock.now()


intpk = Annotated[int, mapped_column(primary_key=True)]
timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
json_dict = Annotated[dict[str, Any], mapped_column(JSON, default=dict)]
json_list = Annotated[list[Any], mapped_column(JSON, default=list)]

__all__ = ["UTCDateTime", "func", "intpk", "json_dict", "json_list", "timestamp", "utcnow"]
