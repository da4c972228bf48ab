"""The JSON API: same filters as the pages, paginated, each event as `events --json` prints it."""

from __future__ import annotations

import json

from tests.helpers import events_json


def test_pages_of_events(web, events):
    body = web.get("/api/events?per_page=3&region=Bretagne").get_json()
    assert body["filters"] == {"region": "Bretagne"}
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 3, 2, 1)
    assert [e["uid"] for e in body["events"]] == [events["velo"].uid, events["forum"].uid]
    everything = web.get("/api/events?per_page=4").get_json()
    assert everything["total"] == 9 and everything["pages"] == 3
    assert everything["links"]["next"] == "http://localhost/api/events?per_page=4&page=2"
    assert everything["links"]["prev"] is None
    last = web.get("/api/events?per_page=4&page=3").get_json()
    assert len(last["events"]) == 1 and last["links"]["next"] is None


def test_each_event_has_the_cli_shape_plus_links(web, events, seeded, monkeypatch):
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", seeded.url)
    from_cli = {e["uid"]: e for e in events_json("--from", "2026-11-23")}
    from_api = web.get("/api/events?per_page=200").get_json()["events"]
    assert [e["uid"] for e in from_api] == list(from_cli)
    for event in from_api:
        links = event.pop("links")
        assert links == {
            "html": f"http://localhost/events/{event['uid']}",
            "ics": f"http://localhost/events/{event['uid']}.ics",
        }
        assert event == from_cli[event["uid"]]
    forum = next(e for e in from_api if e["uid"] == events["forum"].uid)
    assert (forum["start"], forum["end"], forum["all_day"]) == ("2026-12-01", "2026-12-04", True)


def test_one_event_and_an_absorbed_uid(web, events):
    uid = events["reunion"].uid
    event = web.get(f"/api/events/{uid}").get_json()
    assert event["start"] == "2026-11-28T09:00:00+04:00" and event["timezone"] == "Indian/Reunion"
    moved = web.get("/api/events/absorbed@ess-agenda.test")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(
        f"/api/events/{events['velo'].uid}"
    )
    missing = web.get("/api/events/nobody@ess-agenda.test")
    assert missing.status_code == 404 and "nobody@ess-agenda.test" in missing.get_json()["error"]


def test_errors_are_json_naming_the_parameter(web):
    response = web.get("/api/events?from=2026-13-45")
    assert response.status_code == 400
    assert response.get_json()["param"] == "from" and "2026-13-45" in response.get_json()["error"]
    assert web.get("/api/events?per_page=1000").get_json()["param"] == "per_page"


def test_hostile_text_is_plain_json(web, events):
    response = web.get("/api/events?region=Île-de-France")
    assert response.mimetype == "application/json"
    titles = [e["title"] for e in json.loads(response.data)["events"]]
    assert titles == [events["xss"].title, events["xss_attribute"].title]


def test_openapi_description(web):
    document = web.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    parameters = {p["name"] for p in document["paths"]["/api/events"]["get"]["parameters"]}
    assert parameters == {
        "region",
        "department",
        "country",
        "city",
        "category",
        "source",
        "from",
        "to",
        "q",
        "online",
        "mois_ess",
        "page",
        "per_page",
    }
    assert set(document["components"]["schemas"]["Event"]["properties"]) >= set(
        web.get("/api/events").get_json()["events"][0]
    )


def test_repeated_facets_are_described_and_answered_as_lists(web, events):
    document = web.get("/api/openapi.json").get_json()
    region = next(p for p in document["paths"]["/api/events"]["get"]["parameters"] if p["name"] == "region")
    assert region["schema"]["type"] == "array" and region["explode"] is True
    answer = web.get("/api/events?region=Guadeloupe&region=Bretagne&from=2026-11-16").get_json()
    assert answer["filters"] == {"region": ["Bretagne", "Guadeloupe"], "from": "2026-11-16"}
    assert {e["uid"] for e in answer["events"]} == {events[n].uid for n in ("velo", "forum", "guadeloupe")}
    assert "region=Bretagne&region=Guadeloupe" in answer["links"]["self"]
