"""The OpenAPI 3.1 description of the JSON API and the feeds sharing its filters."""

from __future__ import annotations

from typing import Any

from aggregator.normalize.categories import CATEGORIES
from web.filters import regions


def _param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _facet(name: str, description: str, **item: Any) -> dict[str, Any]:
    """A facet: may be repeated, its values combining with OR (``region=A&region=B``)."""
    return {
        **_param(name, f"{description} Repeat it for several: any of them matches.", type="array"),
        "schema": {"type": "array", "items": item or {"type": "string"}},
        "style": "form",
        "explode": True,
    }


def filter_parameters() -> list[dict[str, Any]]:
    """The agenda's filters as query parameters; different parameters combine with AND."""
    return [
        _facet("region", "Official région name.", type="string", enum=list(regions())),
        _facet("department", "Département code: 29, 2A, 974…", type="string", pattern="^([0-9]{2,3}|2[AB])$"),
        _facet(
            "country",
            "Country of the place, ISO 3166-1 alpha-2 (FR; BE, CH, CA… for events abroad).",
            type="string",
            pattern="^[A-Za-z]{2}$",
        ),
        _facet("city", "City (case-insensitive)."),
        _facet(
            "category",
            "Category slug (or its label, as in an event's `categories`); `mois-ess` means `mois_ess=1`.",
            type="string",
            enum=[c.slug for c in CATEGORIES],
        ),
        _facet("source", "Name of a partner source announcing the event."),
        _param("from", "First day (YYYY-MM-DD, inclusive); default today.", type="string", format="date"),
        _param("to", "Last day (YYYY-MM-DD, inclusive).", type="string", format="date"),
        _param("q", "Free-text search in title, description and place.", type="string", maxLength=200),
        _param("online", "1: online events only; 0: in-person events only.", type="string", enum=["0", "1"]),
        _param("mois_ess", "1: events of the Mois de l'ESS.", type="string", enum=["1"]),
    ]


LOCATION = {
    "type": "object",
    "properties": {
        name: {"type": ["string", "null"]}
        for name in ("name", "address", "city", "postcode", "department", "region", "country")
    }
    | {"lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]}},
}

EVENT = {
    "type": "object",
    "required": ["uid", "title", "start", "all_day", "timezone", "status", "sources"],
    "properties": {
        "uid": {"type": "string", "description": "Stable for the event's whole life."},
        "title": {"type": "string"},
        "description": {"type": "string", "description": "Plain text."},
        "start": {"type": "string", "description": "ISO 8601 with offset; a date for all-day events."},
        "end": {"type": ["string", "null"], "description": "All-day: the last day, inclusive."},
        "all_day": {"type": "boolean"},
        "timezone": {"type": "string", "example": "Europe/Paris"},
        "online": {"type": "boolean"},
        "location": LOCATION,
        "categories": {"type": "array", "items": {"type": "string"}},
        "url": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["confirmed", "cancelled", "postponed"]},
        "sequence": {"type": "integer"},
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "url": {"type": ["string", "null"]}},
            },
        },
        "updated": {"type": "string", "format": "date-time"},
        "links": {
            "type": "object",
            "properties": {"html": {"type": "string"}, "ics": {"type": "string"}},
        },
    },
}

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "param": {"type": "string"}},
}


def openapi_document(server: str) -> dict[str, Any]:
    """The description, with ``server`` (this site's root URL) as its server."""
    bad_request = {
        "description": "A parameter is invalid; `error` says why, `param` which one.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ESS Agenda API",
            "version": "1",
            "description": "Events of the French social and solidarity economy, deduplicated across "
            "partner sites. The same filters select the agenda pages, /calendar.ics and /feed.atom. "
            "Every /api answer allows any origin for GET (CORS), carries an ETag (304 on If-None-Match) "
            "and errs in JSON.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/events": {
                "get": {
                    "summary": "Events matching the filters, by start, one page at a time",
                    "parameters": [
                        *filter_parameters(),
                        _param("page", "Page number, from 1.", type="integer", minimum=1),
                        _param(
                            "per_page",
                            "Events per page (1–200, default 50).",
                            type="integer",
                            minimum=1,
                            maximum=200,
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of events.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "filters": {
                                                "type": "object",
                                                "description": "The filters applied, canonical: a "
                                                "repeated facet gives a list of its values.",
                                            },
                                            "page": {"type": "integer"},
                                            "per_page": {"type": "integer"},
                                            "total": {"type": "integer"},
                                            "pages": {"type": "integer"},
                                            "links": {"type": "object"},
                                            "events": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Event"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": bad_request,
                    },
                }
            },
            "/api/events/{uid}": {
                "get": {
                    "summary": "One event (an absorbed UID answers 301 to the surviving event)",
                    "parameters": [
                        {"name": "uid", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "The event.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Event"}}
                            },
                        },
                        "301": {"description": "The UID was merged into another event."},
                        "404": {"description": "No event ever had this UID."},
                    },
                }
            },
            "/api/events.geojson": {
                "get": {
                    "summary": "Placed events matching the filters, from today on, as GeoJSON",
                    "parameters": filter_parameters(),
                    "responses": {
                        "200": {
                            "description": "One Point per event; its properties: uid, title, start, "
                            "end, all_day, status, place, city, url (the event's page).",
                            "content": {"application/geo+json": {"schema": {"type": "object"}}},
                        },
                        "304": {"description": "Unchanged."},
                        "400": bad_request,
                    },
                }
            },
            "/calendar.ics": {
                "get": {
                    "summary": "iCalendar subscription for the same filters (from FEED_PAST_DAYS ago on)",
                    "parameters": filter_parameters(),
                    "responses": {
                        "200": {"description": "text/calendar"},
                        "304": {"description": "Unchanged."},
                        "400": {"description": "A parameter is invalid (text/plain)."},
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "summary": "Atom feed of the next events for the same filters",
                    "parameters": filter_parameters(),
                    "responses": {
                        "200": {"description": "application/atom+xml"},
                        "304": {"description": "Unchanged."},
                    },
                }
            },
        },
        "components": {"schemas": {"Event": EVENT, "Error": ERROR}},
    }
