"""Events, listings and sources built directly with the models, for fast web tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.models import DataVersion, Event, EventAlias, Listing, Source

TODAY = date(2026, 11, 23)  # the day the suite's clock is pinned to (tests/conftest.py)
STAMP = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
XSS_TITLE = "<script>alert(1)</script>"
XSS_ATTRIBUTE = '" onmouseover="x'

_numbers = itertools.count(1)


def at(day: date, hour: int = 0, minute: int = 0, zone: str = "Europe/Paris") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def add_source(session: Session, name: str, title: str | None = None, region: str | None = None) -> Source:
    source = Source(
        name=name, title=title or name, kind="ical", url=f"https://{name}.example/agenda.ics", region=region
    )
    session.add(source)
    session.flush()
    return source


def add_event(
    session: Session,
    title: str,
    start: datetime,
    end: datetime | None = None,
    *,
    sources: Sequence[tuple[Source, str | None]] = (),
    **fields: Any,
) -> Event:
    """An event and one listing per (source, page URL)."""
    number = next(_numbers)
    fields.setdefault("timezone", str(start.tzinfo))
    fields.setdefault("updated_at", STAMP)
    fields.setdefault("created_at", STAMP)
    event = Event(uid=f"ev{number:05d}@ess-agenda.test", title=title, start=start, end=end, **fields)
    session.add(event)
    session.flush()
    for source, url in sources:
        session.add(
            Listing(
                source=source,
                key=f"{source.name}-{number}",
                title=title,
                start=start,
                end=end,
                url=url,
                content_hash=f"h{number}",
                event=event,
            )
        )
    session.flush()
    return event


def add_alias(session: Session, uid: str, event: Event) -> None:
    session.add(EventAlias(uid=uid, event=event))


def bump(session: Session, moment: datetime | None = None) -> None:
    """What the aggregator does after changing events."""
    row = session.scalars(select(DataVersion)).first()
    moment = moment or datetime.now(UTC)
    if row is None:
        session.add(DataVersion(version=1, changed_at=moment))
    else:
        row.version += 1
        row.changed_at = moment


def seed(session: Session) -> dict[str, Event]:
    """A small agenda around TODAY: every shape a feed or page must handle."""
    adess = add_source(session, "adess-brest", "ADESS Pays de Brest", "Bretagne")
    unpeudr = add_source(session, "unpeudr", "Recyclerie Un peu d'R")
    cress = add_source(session, "cress-bretagne", "CRESS Bretagne")
    pes = add_source(session, "pes21", "Pôle d'Économie Solidaire 21")
    national = add_source(session, "mois-ess", "Le Mois de l'ESS")
    reunion = add_source(session, "cress-reunion", "CRESS La Réunion")
    hostile = add_source(session, "hostile", '<i>Source</i> " onmouseover="y')
    events = {
        "velo": add_event(
            session,
            "Atelier réparation vélo",
            at(date(2026, 11, 26), 14),
            at(date(2026, 11, 26), 18),
            sources=[
                (adess, "https://adess.example/velo"),
                (unpeudr, "https://unpeudr.example/ateliers/velo"),
            ],
            description="Venez réparer votre vélo avec les bénévoles.\n\nOutils fournis.",
            location_name="Recyclerie Un peu d'R",
            address="5 rue Danton",
            postcode="29200",
            city="Brest",
            department="29",
            region="Bretagne",
            lat=48.3904,
            lon=-4.4861,
            organizer="Un peu d'R",
            url="https://unpeudr.example/ateliers/velo",
            categories=["Atelier", "Mois de l'ESS"],
            sequence=2,
        ),
        "forum": add_event(
            session,
            "Forum de l'emploi solidaire",
            at(date(2026, 12, 1)),
            at(date(2026, 12, 4)),
            all_day=True,
            sources=[(cress, "https://cress.example/forum")],
            location_name="Couvent des Jacobins",
            city="Rennes",
            department="35",
            region="Bretagne",
            categories=["Forum"],
        ),
        "cancelled": add_event(
            session,
            "Conférence sur les coopératives",
            at(date(2026, 11, 30), 10),
            at(date(2026, 11, 30), 12),
            status="cancelled",
            sources=[(pes, "https://pes21.example/conference")],
            city="Dijon",
            department="21",
            region="Bourgogne-Franche-Comté",
            categories=["Conférence / table ronde", "Mois de l'ESS"],
        ),
        "webinar": add_event(
            session,
            "Webinaire finance solidaire",
            at(date(2026, 11, 27), 18),
            at(date(2026, 11, 27), 19, 30),
            online=True,
            sources=[(national, "https://mois-ess.example/webinaire")],
            url="https://visio.example/finance",
            categories=["Webinaire", "Mois de l'ESS"],
        ),
        "reunion": add_event(
            session,
            "Rencontre des acteurs de l'ESS réunionnaise",
            at(date(2026, 11, 28), 9, zone="Indian/Reunion"),
            at(date(2026, 11, 28), 12, zone="Indian/Reunion"),
            sources=[(reunion, "https://cress-reunion.example/rencontre")],
            city="Saint-Denis",
            department="974",
            region="La Réunion",
            categories=["Rencontre / réseau"],
        ),
        "guadeloupe": add_event(
            session,
            "Marché solidaire de Pointe-à-Pitre",
            at(date(2026, 12, 5), 8, zone="America/Guadeloupe"),
            at(date(2026, 12, 5), 13, zone="America/Guadeloupe"),
            sources=[(national, None)],
            city="Pointe-à-Pitre",
            department="971",
            region="Guadeloupe",
            categories=["Salon / marché"],
        ),
        "recent": add_event(
            session,
            "Assemblée générale de l'APES",
            at(date(2026, 11, 19), 17),
            at(date(2026, 11, 19), 19),
            sources=[(national, "https://mois-ess.example/ag")],
            city="Lille",
            department="59",
            region="Hauts-de-France",
            categories=["Assemblée générale"],
        ),
        "old": add_event(
            session,
            "Portes ouvertes d'octobre",
            at(date(2026, 10, 10), 10),
            at(date(2026, 10, 10), 17),
            sources=[(national, "https://mois-ess.example/po")],
            city="Lille",
            department="59",
            region="Hauts-de-France",
        ),
        "festival": add_event(
            session,
            "Festival des solidarités",
            at(date(2026, 12, 10), 10),
            at(date(2026, 12, 12), 18),
            sources=[(national, "https://mois-ess.example/festival")],
            city="Lyon",
            department="69",
            region="Auvergne-Rhône-Alpes",
            categories=["Fête / festival"],
        ),
        "xss": add_event(
            session,
            XSS_TITLE,
            at(date(2026, 11, 29), 15),
            at(date(2026, 11, 29), 16),
            sources=[(hostile, 'https://hostile.example/"><script>alert(3)</script>')],
            description="</script><script>alert(2)</script>",
            location_name="<b>Salle</b>",
            city="Paris",
            department="75",
            region="Île-de-France",
            organizer='Collectif "<script>"',
            url="https://hostile.example/x",
            categories=["<img src=x onerror=alert(4)>"],
        ),
        "xss_attribute": add_event(
            session,
            XSS_ATTRIBUTE,
            at(date(2026, 11, 29), 17),
            sources=[(hostile, "https://hostile.example/attr")],
            city="Paris",
            department="75",
            region="Île-de-France",
        ),
    }
    add_alias(session, "absorbed@ess-agenda.test", events["velo"])
    bump(session, datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    return events
