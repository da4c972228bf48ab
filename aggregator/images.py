"""Events' images, fetched once from their sources and kept resized in the database.

Pages never load an image from a partner's site (their Content-Security-Policy forbids it, and a
visitor's browser should not tell third parties what it reads): the aggregator fetches each image
URL once, after the crawl that found it, shrinks it with Pillow to at most ``MAX_SIDE`` pixels a side
as WebP, and the web app serves it from the ``image`` table. A URL that fails is recorded with its
error and not fetched again.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import requests
from PIL import Image as Picture
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.clock import now
from aggregator.models import Event, Image
from core.http import USER_AGENT

logger = logging.getLogger(__name__)

MAX_SIDE = 640
MAX_BYTES = 8 * 1024 * 1024
# Pillow refuses larger images outright: a decompression bomb is an error, not a warning.
MAX_PIXELS = 40_000_000
TIMEOUT = 15
QUALITY = 80
MEDIA_TYPE = "image/webp"


class ImageError(ValueError):
    """An image that cannot be fetched or read; its message is kept on the image's row."""


def image_key(url: str) -> str:
    """The key an image is stored and served under: the SHA-256 of its URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ImageReport:
    fetched: int = 0
    failed: int = 0


def download(url: str) -> bytes:
    """The body at ``url``, at most MAX_BYTES, with the crawler's User-Agent."""
    if not url.startswith(("http://", "https://")):
        raise ImageError(f"not an http(s) URL: {url[:100]}")
    try:
        with requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT, stream=True) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise ImageError(f"larger than {MAX_BYTES} bytes")
            return body
    except requests.RequestException as exc:
        raise ImageError(f"{exc.__class__.__name__}: {exc}") from exc


def resized(raw: bytes) -> tuple[bytes, int, int]:
    """The image shrunk to fit MAX_SIDE × MAX_SIDE (never enlarged), upright, as WebP."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Picture.DecompressionBombWarning)
        try:
            with Picture.open(BytesIO(raw)) as picture:
                if picture.width * picture.height > MAX_PIXELS:
                    raise ImageError(f"too many pixels: {picture.width}×{picture.height}")
                upright = ImageOps.exif_transpose(picture)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                if upright.mode not in ("RGB", "RGBA"):
                    upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
                out = BytesIO()
                upright.save(out, "WEBP", quality=QUALITY)
                return out.getvalue(), upright.width, upright.height
        except (UnidentifiedImageError, OSError, Picture.DecompressionBombError, Warning) as exc:
            raise ImageError(f"not a readable image: {exc}") from exc


def missing_urls(session: Session, limit: int) -> list[str]:
    """Image URLs of events still to come (or of the last week) that were never fetched."""
    since = now() - timedelta(days=7)
    urls = session.scalars(
        select(Event.image)
        .where(Event.image.is_not(None), func.coalesce(Event.end, Event.start) >= since)
        .distinct()
    ).all()
    by_key = {image_key(url): url for url in urls if url}
    known = set(session.scalars(select(Image.key).where(Image.key.in_(list(by_key))))) if by_key else set()
    return [url for key, url in by_key.items() if key not in known][:limit]


def fetch_images(
    session: Session,
    limit: int = 500,
    fetch: Callable[[str], bytes] = download,
    allowed: Callable[[str], bool] = lambda url: True,
) -> ImageReport:
    """Fetch and keep the images no event has had yet (among the ``allowed`` URLs), each one
    committed as soon as it is read."""
    fetched = failed = 0
    for url in filter(allowed, missing_urls(session, limit)):
        row = Image(key=image_key(url), url=url, fetched_at=now())
        try:
            row.data, row.width, row.height = resized(fetch(url))
            row.media_type = MEDIA_TYPE
            fetched += 1
        except ImageError as exc:
            logger.info("image %s not kept: %s", url, exc)
            row.error = str(exc)[:500]
            failed += 1
        session.merge(row)
        session.commit()
    return ImageReport(fetched=fetched, failed=failed)
