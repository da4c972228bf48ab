"""What every response under ``/api`` carries, whichever view (or error) made it.

Partner sites call the API from their own pages: GET is open to any origin (CORS, no credentials),
every 200 has an ETag and answers 304 to a matching ``If-None-Match``, and errors are JSON.
"""

from __future__ import annotations

from flask import Flask, Response, request

PREFIX = "/api"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Length",
}
# What a preflight may ask for: revalidation headers only; the answer is remembered a day.
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


def under_api() -> bool:
    """This request's path is the API's (matched by a view or not)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def api_headers(response: Response) -> Response:
    if not under_api():
        return response
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    get = request.method in ("GET", "HEAD")
    if get and response.status_code == 200 and "ETag" not in response.headers:
        # Views that keep no validator of their own (web.http.send does): the body's digest is one.
        response.add_etag()
        response.headers.setdefault("Cache-Control", "no-cache")
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.after_request(api_headers)
