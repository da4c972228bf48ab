"""The API as partner sites call it: open to any origin for GET, revalidated with ETags, JSON errors."""

from __future__ import annotations

import pytest

from tests.web.conftest import make_app


def test_get_is_open_to_any_origin(web):
    response = web.get("/api/events?region=Bretagne", headers={"Origin": "https://partenaire.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    # No credentials are ever allowed: the API reads public data only.
    assert "Access-Control-Allow-Credentials" not in response.headers
    # Pages are not the API's: they stay same-origin.
    assert "Access-Control-Allow-Origin" not in web.get("/").headers


def test_a_preflight_may_ask_to_revalidate(web):
    response = web.options(
        "/api/events",
        headers={
            "Origin": "https://partenaire.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", ["/api/events?region=Bretagne", "/api/events/{velo}", "/api/openapi.json"])
def test_every_answer_has_an_etag_and_a_304(web, events, path):
    path = path.format(velo=events["velo"].uid)
    first = web.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    again = web.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    other = web.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_the_etag_changes_with_the_answer(web):
    bretagne = web.get("/api/events?region=Bretagne").headers["ETag"]
    everything = web.get("/api/events").headers["ETag"]
    assert bretagne != everything


def test_errors_under_api_are_json(web):
    for path, status in (("/api/nothing", 404), ("/api", 404), ("/api/events/nobody", 404)):
        response = web.get(path)
        assert response.status_code == status and response.mimetype == "application/json", path
        assert response.get_json()["error"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    refused = web.post("/api/events")
    assert refused.status_code == 405 and refused.mimetype == "application/json"
    assert refused.get_json()["error"]
    bad = web.get("/api/events?region=Atlantide")
    assert bad.status_code == 400 and bad.get_json()["param"] == "region"
    # Elsewhere a missing page is still a page.
    assert web.get("/nothing").mimetype == "text/html"


def test_an_internal_error_under_api_is_json(seeded):
    app = make_app(seeded.url, TESTING=False)

    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/api/boom")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert "boom" not in response.get_json()["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
