"""Events' images, served from the database where the aggregator keeps them (aggregator.images)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from aggregator.images import image_key
from aggregator.models import Event, Image
from web.db import get_session

bp = Blueprint("images", __name__)

# A key names one URL's bytes for good: browsers may keep them as long as they like.
FOREVER = "public, max-age=31536000, immutable"


def kept_images(events: Iterable[Event]) -> dict[str, str]:
    """Image URL → key, for the events' images that were fetched and kept."""
    by_key = {image_key(e.image): e.image for e in events if e.image}
    if not by_key:
        return {}
    kept = get_session().scalars(
        select(Image.key).where(Image.key.in_(list(by_key)), Image.data.is_not(None))
    )
    return {by_key[key]: key for key in kept}


@bp.get("/images/<key>.webp")
def image(key: str) -> Response:
    row = get_session().get(Image, key)
    if row is None or row.data is None:
        abort(404)
    response = Response(row.data, mimetype=row.media_type or "image/webp")
    response.headers["Cache-Control"] = FOREVER
    response.set_etag(key)
    return response.make_conditional(request)
