"""Places: postcode → département → région, and the event's time zone by département."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_POSTCODE = re.compile(r"^\d{5}$")


def department_from_postcode(postcode: str | None) -> str | None:
    if not postcode or not _POSTCODE.match(postcode):
        return None
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def resolve_place(fields: Mapping[str, Any], default_region: str | None) -> dict[str, Any]:
    """département and région from what the listing gives, else the source's default région."""
    department = fields.get("department") or department_from_postcode(fields.get("postcode"))
    region = fields.get("region")
    if fields.get("online"):
        return {"department": None, "region": None}
    if not region and not department and not fields.get("city"):
        region = default_region
    return {"department": department, "region": region}
