"""The English catalogue covers every French message, and its compiled form is current."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from aggregator.normalize.categories import BY_LABEL
from tests.web.html_checks import Page
from web.labels import CATEGORY_LABELS

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES"


def _msgid(message):
    return message[0] if isinstance(message, tuple | list) else message


def _hashable(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_is_translated():
    with open(ROOT / "web" / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}  # lazy_gettext, as the admin's forms and labels name it
    extracted = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    found = {_msgid(message) for _, _, message, _, _ in extracted}
    with open(CATALOG / "messages.po", "rb") as po:
        catalog = read_po(po, locale="en")
    translated = {
        _msgid(m.id) for m in catalog if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert found and found <= translated, sorted(found - translated)


def test_the_compiled_catalogue_matches_its_source():
    with open(CATALOG / "messages.po", "rb") as po:
        source = {_hashable(m.id): _hashable(m.string) for m in read_po(po, locale="en") if m.id}
    compiled = read_mo(BytesIO((CATALOG / "messages.mo").read_bytes()))
    assert {_hashable(m.id): _hashable(m.string) for m in compiled if m.id} == source


def test_every_category_is_marked_for_translation():
    assert set(BY_LABEL) == CATEGORY_LABELS


def test_categories_labels_and_error_pages_read_in_english(web):
    english = {"Accept-Language": "en"}
    page = web.get("/?category=atelier&region=Bretagne", headers=english).get_data(as_text=True)
    assert (
        ">Workshop</li>" in page
        and "<legend>Region</legend>" in page
        and "<legend>Department</legend>" in page
    )
    assert "Atelier" not in Page(page).visible_text.replace("Atelier réparation vélo", "")
    week = web.get("/semaine/2026-W48", headers=english).get_data(as_text=True).replace("\xa0", " ")
    assert "<h1>Week from Monday 23 to Sunday 29 November 2026" in week and "from 2 PM to 6 PM" in week
    missing = web.get("/nowhere", headers=english).get_data(as_text=True)
    assert "Page not found" in missing
    refused = web.post("/", headers=english)
    assert refused.status_code == 405 and "Method Not Allowed" not in refused.get_data(as_text=True)


def test_the_admin_reads_in_english(web):
    login = web.get("/admin/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in to the administration" in login and ">Password<" in login
