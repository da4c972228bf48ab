"""Write the labelled set's own documents: posts and agenda pages in other styles and régions.

Usage: python -m bench.labelled.write_documents  (rewrites bench/labelled/documents/own-*.html and
their entries in labels.json; the seed fixes every choice, so the output is the same each time)

Each document mixes announcements in several styles (a heading then its date, a bold agenda line,
a programme table, a date and a city only) with the traps a newsletter holds (reports, deadlines,
opening hours, publication dates, periods, job offers, internal meetings, conditional dates), each
written with its label.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
PLACES = [
    ("la Maison des associations", "6 rue Berthelot", "51100", "Reims"),
    ("l’Espace Mendès-France", "1 place de la Cathédrale", "86000", "Poitiers"),
    ("la Halle aux grains", "2 place Dupuy", "31000", "Toulouse"),
    ("le tiers-lieu La Fabrique", "14 avenue de la Paix", "67000", "Strasbourg"),
    ("la Salle des fêtes", "3 rue de l’Église", "25000", "Besançon"),
    ("le Centre social Les Pléiades", "18 boulevard Carnot", "21000", "Dijon"),
    ("la Maison de la vie associative", "72 rue Royale", "59000", "Lille"),
    ("la Médiathèque François-Mitterrand", "4 rue de l’Hôtel-de-Ville", "29200", "Brest"),
    ("le Quai des savoirs", "39 allées Jules-Guesde", "31000", "Toulouse"),
    ("l’Hôtel de Région", "1 rue de la Loire", "44000", "Nantes"),
]
NAMES = [
    ("Atelier", "« Financer son projet associatif »"),
    ("Forum", "des métiers de l’ESS"),
    ("Rencontre", "des tiers-lieux du territoire"),
    ("Soirée", "« Coopératives d’habitants »"),
    ("Webinaire", "« Les nouvelles aides à l’emploi »"),
    ("Journée", "régionale de l’insertion"),
    ("Conférence", "« Économie circulaire et collectivités »"),
    ("Café-débat", "« Consommer local »"),
    ("Formation", "« Gouvernance partagée »"),
    ("Fête", "de la récup’"),
    ("Matinale", "des financeurs solidaires"),
    ("Visite", "de la légumerie d’insertion"),
]


def day_text(day: date, weekday: bool = True) -> str:
    name = f"{WEEKDAYS[day.weekday()]} " if weekday else ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{name}{number} {MONTHS[day.month - 1]}"


def hours(rng: random.Random) -> str:
    start = rng.choice([9, 10, 14, 18])
    styles = [
        f"de {start}h à {start + 2}h",
        f"{start}h-{start + 3}h",
        f"à {start}h30",
        f"{start}h00 – {start + 2}h00",
    ]
    return rng.choice(styles)


def announcement(rng: random.Random, day: date, style: int) -> str:
    kind, name = rng.choice(NAMES)
    title = f"{kind} {name}"
    venue, street, postcode, city = rng.choice(PLACES)
    when = day_text(day)
    if style == 0:
        return f"<h3>{title}</h3><p>Rendez-vous le {when}, {hours(rng)}, à {venue}, {street}, {postcode} {city}. Entrée libre.</p>"
    if style == 1:
        return f"<p><strong>{when.capitalize()}, {hours(rng)} :</strong> {title.lower()} à {city}, sur inscription.</p>"
    if style == 2:
        return f"<p>Nous vous invitons à la {kind.lower()} {name} qui se tiendra le {when} à {city} ({postcode[:2]}).</p>"
    if style == 3:
        return f"<h3>{title}</h3><p>📅 {when.capitalize()} – {hours(rng)} – en visioconférence, inscription obligatoire.</p>"
    return f"<tr><td>{when.capitalize()}</td><td>{hours(rng)}</td><td><strong>{title}</strong></td><td>{venue.split(' ', 1)[1].capitalize()}, {city}</td></tr>"


def trap(rng: random.Random, kind: str, day: date) -> str:
    venue, _, _, city = rng.choice(PLACES)
    _, name = rng.choice(NAMES)
    when = day_text(day)
    texts = {
        "past": [
            f"<p>Le forum {name} s’est tenu le {when} à {city} : plus de 200 personnes y ont participé.</p>",
            f"<h3>Retour sur la journée {name}</h3><p>Merci aux 80 participant·es réuni·es le {when} dernier à {venue}.</p>",
            f"<p>La rencontre du {when} a rassemblé une quarantaine de structures à {city}.</p>",
        ],
        "deadline": [
            f"<p>Les dossiers sont à déposer avant le {when} sur la plateforme en ligne.</p>",
            f"<p>Appel à projets {name} : candidatures jusqu’au {when} à midi.</p>",
            f"<p>Date limite d’inscription des classes : le {when}.</p>",
        ],
        "publication": [
            f"<p>Le guide {name} est paru le {when} et peut être téléchargé sur notre site.</p>",
            f"<p>Article publié le {when}, mis à jour le lendemain.</p>",
        ],
        "job": [
            f"<p>Nous recrutons un·e chargé·e de mission en CDI, prise de poste le {when} à {city}.</p>",
            f"<p>Mission de service civique de 8 mois à compter du {when} ; candidatures par courriel.</p>",
            f"<p>Les entretiens d’embauche se dérouleront le {when} à {city}.</p>",
        ],
        "internal": [
            f"<p>Le jury se réunira le {when} pour désigner les lauréats.</p>",
            f"<p>Le comité de sélection délibérera le {when} ; les résultats seront publiés ensuite.</p>",
        ],
        "conditional": [
            f"<p>Une seconde session pourrait avoir lieu le {when} à {city} si le nombre d’inscrit·es le permet.</p>",
            f"<p>Une visite serait éventuellement proposée le {when}, selon les demandes.</p>",
        ],
        "period": [
            f"<p>Du {day_text(day, False)} au {day_text(day + timedelta(days=30), False)}, la campagne {name} invite chacun à agir.</p>",
            f"<p>L’exposition est visible du {day_text(day, False)} au {day_text(day + timedelta(days=20), False)} aux heures d’ouverture de la médiathèque.</p>",
        ],
        "hours": [
            f"<p>Attention : la boutique sera fermée le {when} ; elle est ouverte le mardi et le jeudi de 14h à 18h.</p>",
            f"<p>Nos bureaux seront fermés du {day_text(day, False)} au {day_text(day + timedelta(days=6), False)}. Horaires habituels ensuite.</p>",
        ],
    }
    return rng.choice(texts[kind])


TRAPS = ("past", "deadline", "publication", "job", "internal", "conditional", "period", "hours")


def write(count: int = 40, seed: int = 2027) -> list[dict[str, object]]:
    rng = random.Random(seed)
    entries: list[dict[str, object]] = []
    for number in range(count):
        published = date(2026, 1, 5) + timedelta(days=rng.randrange(0, 700))
        labels: dict[str, str] = {}
        parts: list[str] = []
        table: list[str] = []
        used: set[date] = set()
        for _ in range(rng.randint(7, 11)):
            kind = rng.choice(("event", "event", "event", *TRAPS))
            ahead = rng.randrange(5, 120)
            if kind == "past":
                day = published - timedelta(days=rng.randrange(3, 60))
            elif kind == "publication":
                day = published - timedelta(days=rng.randrange(0, 10))
            else:
                day = published + timedelta(days=ahead)
            if day in used:
                continue
            used.add(day)
            labels[day.isoformat()] = kind
            if kind == "event":
                style = rng.randrange(5)
                (table if style == 4 else parts).append(announcement(rng, day, style))
            else:
                parts.append(trap(rng, kind, day))
        rng.shuffle(parts)
        if table:
            head = "<tr><th>Date</th><th>Horaires</th><th>Rendez-vous</th><th>Lieu</th></tr>"
            parts.insert(rng.randrange(len(parts) + 1), f"<table>{head}{''.join(table)}</table>")
        name = f"own-{number:02d}.html"
        body = "\n".join(parts)
        (HERE / "documents" / name).write_text(f"<div>\n{body}\n</div>\n", encoding="utf-8")
        entries.append(
            {
                "file": name,
                "format": "fragment",
                "title": rng.choice(
                    ["La lettre du réseau", "Nos prochains rendez-vous", "Actualités du mois"]
                ),
                "published": published.isoformat(),
                "split": "test" if number % 4 == 1 else "train",
                "dates": labels,
            }
        )
    return entries


def main() -> None:
    path = HERE / "labels.json"
    labels = json.loads(path.read_text(encoding="utf-8"))
    kept = [e for e in labels["documents"] if not str(e["file"]).startswith("own-")]
    labels["documents"] = kept + write()
    path.write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
