"""Events' images: fetched once over HTTP, shrunk to WebP, kept in the database, served by the pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import ClassVar

import pytest
from PIL import Image as Picture
from sqlalchemy import select

from aggregator.clock import now
from aggregator.db import get_sessionmaker
from aggregator.images import MAX_SIDE, ImageError, fetch_images, image_key, resized
from aggregator.models import Image
from tests.web.conftest import make_app
from tests.web.factories import add_event, add_source, at


def picture(width: int, height: int, kind: str = "PNG") -> bytes:
    out = BytesIO()
    Picture.new("RGB", (width, height), (29, 94, 79)).save(out, kind)
    return out.getvalue()


class Pictures(BaseHTTPRequestHandler):
    """/wide.jpg is a photo, /text.jpg is not one, anything else is missing; each request counted."""

    served: ClassVar[list[str]] = []
    WIDE = picture(2000, 1000, "JPEG")

    def do_GET(self) -> None:
        self.served.append(self.path)
        body = {"/wide.jpg": self.WIDE, "/text.jpg": b"<html>not an image</html>"}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pictures() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pictures)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Pictures.served.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_image_is_shrunk_upright_to_webp_and_never_enlarged():
    data, width, height = resized(picture(2000, 1000))
    assert (width, height) == (MAX_SIDE, MAX_SIDE // 2)
    with Picture.open(BytesIO(data)) as kept:
        assert kept.format == "WEBP" and kept.size == (width, height)
    assert resized(picture(100, 50))[1:] == (100, 50)
    with pytest.raises(ImageError, match="not a readable image"):
        resized(b"<html>")


def test_images_are_fetched_once_each_and_failures_remembered(sqlite_db, pictures):
    soon = at(now().date() + timedelta(days=3), 10)
    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "photos")
        for title, path in (
            ("Un", "/wide.jpg"),
            ("Deux", "/wide.jpg"),
            ("Trois", "/text.jpg"),
            ("Quatre", "/gone"),
        ):
            add_event(session, title, soon, sources=[(source, None)], image=f"{pictures}{path}")
        add_event(session, "Passé", at(now().date() - timedelta(days=30), 10), image=f"{pictures}/old.jpg")
    with get_sessionmaker(sqlite_db)() as session:
        report = fetch_images(session)
        assert (report.fetched, report.failed) == (1, 2)
        assert sorted(Pictures.served) == [
            "/gone",
            "/text.jpg",
            "/wide.jpg",
        ]  # the past event's is not wanted
        rows = {row.url.rsplit("/", 1)[1]: row for row in session.scalars(select(Image))}
        assert rows["wide.jpg"].media_type == "image/webp" and rows["wide.jpg"].width == MAX_SIDE
        assert rows["gone"].data is None and "404" in rows["gone"].error
        assert rows["text.jpg"].data is None and "not a readable image" in rows["text.jpg"].error
        assert fetch_images(session) == type(report)(0, 0) and len(Pictures.served) == 3


def test_cards_show_the_kept_image_served_locally(sqlite_db, pictures):
    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "photos")
        add_event(
            session,
            "Atelier photo",
            at(now().date() + timedelta(days=1), 10),
            sources=[(source, None)],
            image=f"{pictures}/wide.jpg",
            description="Apprenez à cadrer.",
        )
        add_event(session, "Sans image", at(now().date() + timedelta(days=2), 10), sources=[(source, None)])
    with get_sessionmaker(sqlite_db)() as session:
        fetch_images(session)
    client = make_app(sqlite_db).test_client()
    key = image_key(f"{pictures}/wide.jpg")
    html = client.get("/").get_data(as_text=True)
    assert html.count("<img ") == 1
    assert (
        f'<img class="event__image" src="/images/{key}.webp" alt="Illustration de « Atelier photo »"' in html
    )
    assert pictures not in html  # pages never point at the source's copy
    with client.get(f"/images/{key}.webp") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert "immutable" in served.headers["Cache-Control"]
    with client.get(f"/images/{key}.webp", headers={"If-None-Match": f'"{key}"'}) as again:
        assert again.status_code == 304
    with client.get(f"/images/{'0' * 64}.webp") as missing:
        assert missing.status_code == 404
