"""The map: /carte and /api/events.geojson, with the agenda's filters."""

from __future__ import annotations

import gzip

from flask import url_for

from tests.web.conftest import make_app
from web.map import tile_origin


def test_geojson_has_one_point_per_placed_event(web, events):
    response = web.get("/api/events.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection" and collection["filters"] == {}
    velo = events["velo"]
    [feature] = [f for f in collection["features"] if f["properties"]["uid"] == velo.uid]
    assert feature["geometry"] == {"type": "Point", "coordinates": [velo.lon, velo.lat]}
    assert feature["properties"] == {
        "uid": velo.uid,
        "title": "Atelier réparation vélo",
        "start": "2026-11-26T14:00:00+01:00",
        "end": "2026-11-26T18:00:00+01:00",
        "all_day": False,
        "status": "confirmed",
        "place": "Recyclerie Un peu d'R",
        "city": "Brest",
        "url": f"http://localhost/events/{velo.uid}",
    }
    # Online events and events whose place is unknown have no point.
    uids = {f["properties"]["uid"] for f in collection["features"]}
    assert events["webinar"].uid not in uids


def test_geojson_takes_the_agenda_filters(web, events):
    bretagne = web.get("/api/events.geojson?region=Bretagne&category=atelier").get_json()
    assert bretagne["filters"] == {"region": "Bretagne", "category": "atelier"}
    assert [f["properties"]["uid"] for f in bretagne["features"]] == [events["velo"].uid]
    assert web.get("/api/events.geojson?region=Normandie").get_json()["features"] == []
    bad = web.get("/api/events.geojson?from=2026-02-30")
    assert bad.status_code == 400 and bad.get_json()["param"] == "from"
    unknown = web.get("/api/events.geojson?source=nobody")
    assert unknown.status_code == 400 and unknown.get_json()["param"] == "source"


def test_geojson_is_revalidated_and_compressed(web):
    first = web.get("/api/events.geojson", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = web.get("/api/events.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    body = first.data
    if first.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert body == web.get("/api/events.geojson").data


def test_event_urls_are_what_url_for_makes(seeded_app, events):
    with seeded_app.test_request_context():
        expected = url_for("events.show", uid=events["velo"].uid, _external=True)
    feature = seeded_app.test_client().get("/api/events.geojson?city=Brest").get_json()["features"][0]
    assert feature["properties"]["url"] == expected


def test_the_map_page_lists_events_by_place_and_allows_only_its_tiles(web, events):
    response = web.get("/carte?region=Bretagne")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-geojson="/api/events.geojson?region=Bretagne"' in html
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "OpenStreetMap" in html
    # Without JavaScript: the events under their places, each linking to its page.
    assert "Recyclerie Un peu d&#39;R, Brest (29)" in html and "Couvent des Jacobins, Rennes (35)" in html
    assert f'href="/events/{events["velo"].uid}?region=Bretagne"' in html
    assert events["cancelled"].title not in html  # Dijon is not in Bretagne
    # The list's facets, acting on the map.
    assert 'action="/carte"' in html and 'name="category"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    policy = dict(part.split(" ", 1) for part in response.headers["Content-Security-Policy"].split("; "))
    assert policy["img-src"] == "'self' data: https://tile.openstreetmap.org"
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert web.get("/carte?region=Atlantide").status_code == 400


def test_the_tile_server_is_configurable(seeded):
    app = make_app(
        seeded.url, TILE_URL="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png", TILE_ATTRIBUTION="Tuiles locales"
    )
    response = app.test_client().get("/carte")
    assert 'data-tiles="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"' in response.get_data(as_text=True)
    assert "img-src 'self' data: http://127.0.0.1:9;" in response.headers["Content-Security-Policy"]
    # Other pages load no tile.
    assert "127.0.0.1:9" not in app.test_client().get("/").headers["Content-Security-Policy"]


def test_tile_origin():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_origin("https://{s}.tile.example.fr/{z}/{x}/{y}.png") == "https://*.tile.example.fr"
    assert tile_origin("http://127.0.0.1:8080/{z}/{x}/{y}.png") == "http://127.0.0.1:8080"


def test_the_vendored_map_library_is_served_with_its_licences(web):
    for path in (
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/LICENSE",
        "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "vendor/leaflet.markercluster/MIT-LICENCE.txt",
        "map.js",
    ):
        response = web.get(f"/static/{path}")
        assert response.status_code == 200, path
        response.close()


def test_the_event_page_s_map_link_shows_a_commune_centre_as_the_commune():
    from aggregator.models import Event
    from aggregator.normalize.geography import geography
    from web.links import map_link

    lat, lon = geography().centre("29019")
    assert "#map=13/" in (map_link(Event(insee="29019", lat=lat, lon=lon, online=False)) or "")
    assert "#map=17/" in (map_link(Event(insee="29019", lat=48.3904, lon=-4.4861, online=False)) or "")
