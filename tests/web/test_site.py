"""What every site is asked for: a favicon, robots.txt, a sitemap of the views and the events."""

from __future__ import annotations

from xml.etree import ElementTree

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_favicon_in_both_forms(web):
    with web.get("/favicon.ico") as ico:
        assert ico.status_code == 200 and ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    with web.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


def test_robots_keeps_crawlers_out_of_the_admin_and_points_to_the_sitemap(web):
    robots = web.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    lines = robots.get_data(as_text=True).splitlines()
    assert "Disallow: /admin/" in lines and "Sitemap: http://localhost/sitemap.xml" in lines


def test_the_sitemap_lists_the_views_and_the_coming_events(web, events):
    response = web.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    urls = [
        u.findtext(f"{SITEMAP}loc") for u in ElementTree.fromstring(response.data).findall(f"{SITEMAP}url")
    ]
    assert urls[:3] == [
        "http://localhost/",
        "http://localhost/semaine/2026-W48",
        "http://localhost/mois/2026-11",
    ]
    assert "http://localhost/mois/2027-10" in urls
    assert f"http://localhost/events/{events['velo'].uid}" in urls
    assert f"http://localhost/events/{events['old'].uid}" not in urls
    assert len(urls) == len(set(urls))
