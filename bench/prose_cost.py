"""What reading prose costs: a site's posts and PDFs crawled as ``auto`` (discovery, then its news feed
read as prose: documents, candidates, verdicts) against the same site crawled by the ``html`` kind
with pinned selectors, in the same run.

Usage: python -m bench.prose_cost [--posts 300] [--pdf-every 3] [--rounds 2]

Generates in a temporary directory a news site of ``--posts`` posts written like a network's
newsletter (announcements in several styles among deadlines, reports and job offers, from
bench/labelled/write_documents.py), one in ``--pdf-every`` linking a programme PDF; a homepage
declaring an RSS feed of excerpts (so each post's page is fetched); and agenda listing pages giving
each post's title and first date, whose blocks name no place (so the ``html`` kind fetches each post
too). Serves it and crawls it as bench/crawl.py does (its own process, the full pipeline into a fresh
SQLite database), each round both ways. Prints pages (PDFs included) per second and CPU time per page
of each kind's best round, and the ratio auto/html of pages per second, between best rounds and as
the median of the rounds' own ratios.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from bench.crawl import Measure, crawl, fresh_database, ratio, serve
from bench.labelled.write_documents import TRAPS, announcement, day_text, trap

FIRST_POST = date(2026, 9, 1)
PER_LISTING = 20
KINDS = ("auto", "html")
HTML_OPTIONS = {
    "item": "article.rendez-vous",
    "title": "h2 a",
    "date": ".date",
    "link": "h2 a",
    "next": "a.suivant",
}


# -- the site ----------------------------------------------------------------------------------


def _page(title: str, body: str, head: str = "") -> str:
    links = (("/", "Accueil"), ("/la-lettre/", "La lettre"), ("/contact/", "Contact"))
    menu = "<nav>" + " ".join(f'<a href="{href}">{name}</a>' for href, name in links) + "</nav>"
    footer = "<footer><p>Accueil du public du lundi au vendredi de 9h à 17h.</p></footer>"
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title>{head}'
        f"</head><body><header>{menu}</header><main>{body}</main>{footer}</body></html>"
    )


def _post(index: int) -> tuple[str, date, date, list[str], str]:
    """A post's title, publication day, first announced day, paragraphs (HTML) and PDF lines."""
    rng = random.Random(index)
    published = FIRST_POST + timedelta(days=index // 3)
    days = sorted(rng.sample(range(6, 90), 4))
    parts = [announcement(rng, published + timedelta(days=days[0]), rng.randrange(4))]
    parts.append(trap(rng, rng.choice(TRAPS), published + timedelta(days=days[1])))
    parts.append(trap(rng, rng.choice(TRAPS), published - timedelta(days=days[2] % 30 + 3)))
    pdf = "\n".join(
        f"{day_text(published + timedelta(days=d)).capitalize()}, de 14h à 17h : atelier n°{n} "
        "au Centre social, 18 boulevard Carnot, 21000 Dijon"
        for n, d in enumerate(days[1:], start=1)
    )
    title = f"La lettre du réseau n°{index}"
    return title, published, published + timedelta(days=days[0]), parts, pdf


def _post_url(index: int) -> str:
    return f"/{FIRST_POST + timedelta(days=index // 3):%Y/%m/%d}/la-lettre-n{index}/"


def text_pdf(text: str) -> bytes:
    """A one-page PDF of ``text``'s lines, the first in bold (Type 1 fonts, WinAnsi encoding)."""
    lines = text.splitlines()
    shown = [
        f"/F{2 if n == 0 else 1} 11 Tf ("
        + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        + ") Tj T* T*"
        for n, line in enumerate(lines)
    ]
    stream = ("BT 40 800 Td 14 TL " + " ".join(shown) + " ET").encode("cp1252")
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> >>",
        font.format("Helvetica").encode(),
        font.format("Helvetica-Bold").encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def generate_site(root: Path, posts: int, pdf_every: int) -> tuple[int, int]:
    """Write the site under ``root``; returns its numbers of post pages and PDFs."""
    items, blocks, pdfs = [], [], 0
    for index in range(posts):
        title, published, first, parts, pdf_text = _post(index)
        url = _post_url(index)
        if index % pdf_every == 0:
            pdf_url = f"/wp-content/uploads/programme-n{index}.pdf"
            (root / pdf_url.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (root / pdf_url.lstrip("/")).write_bytes(text_pdf(f"Programme des ateliers\n{pdf_text}"))
            parts.append(f'<p><a href="{pdf_url}">Télécharger le programme (PDF)</a></p>')
            pdfs += 1
        article = (
            f'<article><h1>{escape(title)}</h1><p>Publié le <time datetime="{published}">'
            f"{day_text(published, False)} {published.year}</time></p>{''.join(parts)}</article>"
        )
        (root / url.lstrip("/")).mkdir(parents=True)
        (root / url.lstrip("/") / "index.html").write_text(_page(title, article), encoding="utf-8")
        items.append(
            f"<item><title>{escape(title)}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{published:%a, %d %b %Y} 08:00:00 +0000</pubDate>"
            f"<description>{escape(title)} : nos prochains rendez-vous [&#8230;]</description></item>"
        )
        blocks.append(
            f'<article class="rendez-vous"><h2><a href="{url}">{escape(title)}</a></h2>'
            f'<p class="date">{day_text(first)} {first.year}</p></article>'
        )
    feed = '<link rel="alternate" type="application/rss+xml" title="Actualités" href="/feed.xml">'
    (root / "index.html").write_text(_page("Le réseau", "<p>Bienvenue.</p>", feed), encoding="utf-8")
    (root / "feed.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Le réseau</title>'
        f"<link>/</link>{''.join(reversed(items))}</channel></rss>",
        encoding="utf-8",
    )
    pages = -(-posts // PER_LISTING)
    for page in range(1, pages + 1):
        nav = f'<a class="suivant" href="/agenda/page/{page + 1}/">Suivant</a>' if page < pages else ""
        body = "".join(blocks[(page - 1) * PER_LISTING : page * PER_LISTING]) + nav
        folder = root / "agenda" if page == 1 else root / "agenda" / "page" / str(page)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(_page("Agenda", body), encoding="utf-8")
    return posts, pdfs


# -- the crawls --------------------------------------------------------------------------------


def sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "bench-auto", "kind": "auto", "url": f"{base}/", "options": {}},
        {"name": "bench-html", "kind": "html", "url": f"{base}/agenda/", "options": HTML_OPTIONS},
    ]


def run(posts: int, pdf_every: int, rounds: int) -> list[Measure]:
    with tempfile.TemporaryDirectory(prefix="ess-bench-prose-") as tmp:
        root = Path(tmp) / "site"
        pages, pdfs = generate_site(root, posts, pdf_every)
        print(f"site: {pages} posts, {pdfs} PDFs", flush=True)
        measures: list[Measure] = []
        with serve(root) as base:
            for round_ in range(rounds):
                for spec in sources(base):
                    kind = str(spec["kind"])
                    database = fresh_database(Path(tmp), f"{round_}-{kind}.db", sources(base))
                    measure = crawl(round_, "full", kind, str(spec["url"]), {}, database)
                    print(f"  round {round_ + 1} {kind:<4} {measure}", flush=True)
                    measures.append(measure)
        return measures


def report(measures: list[Measure]) -> None:
    best = {m.kind: m for m in sorted(measures, key=lambda m: m.seconds, reverse=True)}
    print("\nbest of each (pages include PDFs)")
    for kind in KINDS:
        m = best[kind]
        rates = f"{m.pages_per_second:8.1f} pages/s  {m.items_per_second:8.1f} items/s"
        rates += f"  CPU {1000 * m.cpu / m.pages:5.1f} ms/page"
        print(f"  {kind:<4} {rates}  ({m.seconds:.2f} s)")
    rounds: dict[int, dict[str, Measure]] = {}
    for m in measures:
        rounds.setdefault(m.round, {})[m.kind] = m
    pairs = [(r["auto"], r["html"]) for r in rounds.values()]
    ratio("auto/html pages/s", best["auto"], best["html"], pairs, "pages_per_second", "(the cost of prose)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--pdf-every", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    report(run(args.posts, args.pdf_every, args.rounds))


if __name__ == "__main__":
    main()
