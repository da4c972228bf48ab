"""The official geography: communes, postcodes, départements and régions, loaded once per process.

The data is aggregator/data/geography.json.gz, derived from INSEE's Code officiel géographique, La
Poste's postcodes and the communes' centres (town halls) by aggregator/data/build_geography.py.
"""

from __future__ import annotations

import gc
import gzip
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from aggregator.collector import collector_paused
from core.folding import fold

DATA_FILE = "geography.json.gz"
_LEADING_ARTICLE = re.compile(r"^(la|le|les|l) ")
# "29", "(29)", "2A", "974", "29 - Finistère"
_DEPARTMENT_CODE = re.compile(r"^\(?\s*(\d{2,3}|2[ab])\s*\)?(?:\s*[-–:]\s*\D.*)?$", re.IGNORECASE)

# Régions as sources still name them: abbreviations and the régions merged in 2016.
REGION_ALIASES = {
    "aura": "Auvergne-Rhône-Alpes",
    "auvergne": "Auvergne-Rhône-Alpes",
    "rhone alpes": "Auvergne-Rhône-Alpes",
    "bfc": "Bourgogne-Franche-Comté",
    "bourgogne": "Bourgogne-Franche-Comté",
    "franche comte": "Bourgogne-Franche-Comté",
    "centre": "Centre-Val de Loire",
    "cvl": "Centre-Val de Loire",
    "alsace": "Grand Est",
    "lorraine": "Grand Est",
    "champagne ardenne": "Grand Est",
    "alsace champagne ardenne lorraine": "Grand Est",
    "acal": "Grand Est",
    "hdf": "Hauts-de-France",
    "nord pas de calais": "Hauts-de-France",
    "picardie": "Hauts-de-France",
    "nord pas de calais picardie": "Hauts-de-France",
    "idf": "Île-de-France",
    "basse normandie": "Normandie",
    "haute normandie": "Normandie",
    "aquitaine": "Nouvelle-Aquitaine",
    "limousin": "Nouvelle-Aquitaine",
    "poitou charentes": "Nouvelle-Aquitaine",
    "aquitaine limousin poitou charentes": "Nouvelle-Aquitaine",
    "languedoc roussillon": "Occitanie",
    "midi pyrenees": "Occitanie",
    "languedoc roussillon midi pyrenees": "Occitanie",
    "pdl": "Pays de la Loire",
    "paca": "Provence-Alpes-Côte d'Azur",
    "region sud": "Provence-Alpes-Côte d'Azur",
    "sud": "Provence-Alpes-Côte d'Azur",
    "ile de la reunion": "La Réunion",
}


# Where each overseas territory lies (south, north, west, east), and mainland France with Corse:
# coordinates alone tell Saint-Denis (974) from Saint-Denis (93), Le Port (974) from Le Port (09).
AREAS: dict[str, tuple[float, float, float, float]] = {
    "971": (15.8, 16.6, -61.9, -60.9),
    "972": (14.3, 14.95, -61.3, -60.75),
    "973": (2.0, 5.9, -54.7, -51.5),
    "974": (-21.5, -20.8, 55.1, 55.9),
    "975": (46.7, 47.2, -56.5, -56.1),
    "976": (-13.1, -12.5, 44.9, 45.4),
    "977": (17.85, 17.98, -62.95, -62.78),
    "978": (18.0, 18.15, -63.2, -62.95),
    "986": (-14.4, -13.1, -178.3, -176.1),
    "987": (-28.0, -7.0, -155.0, -134.0),
    "988": (-23.0, -19.0, 163.0, 169.0),
}
MAINLAND = (41.0, 51.2, -5.3, 9.7)


@dataclass(frozen=True, slots=True)
class Department:
    """A département (or a collectivité d'outre-mer), with its région's official name if it has one."""

    code: str
    name: str
    region: str | None


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune: INSEE code, official name, département code and La Poste postcodes."""

    code: str
    name: str
    department: str
    postcodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NamedCommune:
    """A commune as a name designates it: its own, or that of one of its delegated communes."""

    commune: Commune
    name: str


class Geography:
    """Lookups over the official data; build it with :func:`geography`."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.source: str = data["source"]
        self.regions: tuple[str, ...] = tuple(sorted(data["regions"].values()))
        self._departments = {
            code: Department(code, name, data["regions"].get(region))
            for code, name, region in data["departments"]
        }
        self._communes = {
            code: Commune(code, name, department, tuple(postcodes))
            for code, name, department, postcodes in data["communes"]
        }
        self._former_codes: dict[str, str] = data["former_codes"]
        self._centres: dict[str, tuple[float, float]] = {
            code: (lat, lon) for code, (lat, lon) in data.get("centres", {}).items()
        }
        self._by_postcode: dict[str, list[Commune]] = defaultdict(list)
        self._by_name: dict[str, list[NamedCommune]] = defaultdict(list)
        self._by_delegated_name: dict[str, list[NamedCommune]] = defaultdict(list)
        for commune in self._communes.values():
            for postcode in commune.postcodes:
                self._by_postcode[postcode].append(commune)
            self._by_name[fold(commune.name)].append(NamedCommune(commune, commune.name))
        for name, parent in data["delegated"]:
            key = fold(name)
            if all(n.commune.code != parent for n in self._by_name.get(key, ())):
                self._by_delegated_name[key].append(NamedCommune(self._communes[parent], name))
        self._department_names = self._department_index()
        self._region_names = self._region_index()

    def _department_index(self) -> dict[str, Department]:
        index: dict[str, Department] = {}
        for department in self._departments.values():
            key = fold(department.name)
            index[key] = department
            index.setdefault(_LEADING_ARTICLE.sub("", key), department)
        return index

    def _region_index(self) -> dict[str, str]:
        index = {fold(alias): name for alias, name in REGION_ALIASES.items()}
        for name in self.regions:
            index[fold(name)] = name
            index.setdefault(_LEADING_ARTICLE.sub("", fold(name)), name)
        return index

    def commune(self, code: str | None) -> Commune | None:
        """The current commune of an INSEE code, former codes and municipal arrondissements included."""
        if not code:
            return None
        code = code.strip().upper()
        return self._communes.get(code) or self._communes.get(self._former_codes.get(code, ""))

    def centre(self, code: str | None) -> tuple[float, float] | None:
        """(lat, lon) of a commune's centre, its town hall; None where the data has none."""
        commune = self.commune(code)
        return self._centres.get(commune.code) if commune else None

    def is_centre(self, code: str | None, lat: float | None, lon: float | None) -> bool:
        """Whether the point is the commune's centre: it then tells the commune, not the place."""
        centre = self.centre(code)
        return centre is not None and lat is not None and lon is not None and centre == (lat, lon)

    def by_postcode(self, postcode: str | None) -> list[Commune]:
        """The communes La Poste serves under ``postcode`` (none for a CEDEX code)."""
        return list(self._by_postcode.get(postcode or "", ()))

    def by_name(self, name: str | None) -> list[NamedCommune]:
        """Communes named ``name`` in any spelling; delegated communes only when no current one is."""
        key = fold(name or "")
        return list(self._by_name.get(key, ()) or self._by_delegated_name.get(key, ()))

    def named_among(self, name: str | None, communes: list[Commune]) -> list[NamedCommune]:
        """Those of ``communes`` that ``name`` designates, by their own name or a delegated one."""
        key = fold(name or "")
        codes = {c.code for c in communes}
        named = [*self._by_name.get(key, ()), *self._by_delegated_name.get(key, ())]
        return [n for n in named if n.commune.code in codes]

    def department(self, code: str | None) -> Department | None:
        return self._departments.get((code or "").strip().upper())

    def department_named(self, text: str | None) -> Department | None:
        """A département from its code ("29", "(2A)", "974") or its name ("Finistère", "Réunion")."""
        if not text:
            return None
        match = _DEPARTMENT_CODE.match(text.strip())
        if match:
            code = match.group(1).upper()
            return self.department(code)
        key = fold(text)
        return self._department_names.get(key) or self._department_names.get(_LEADING_ARTICLE.sub("", key))

    def region_named(self, text: str | None) -> str | None:
        """The official name of a région however a source spells it, former régions included."""
        if not text:
            return None
        key = fold(text)
        return self._region_names.get(key) or self._region_names.get(_LEADING_ARTICLE.sub("", key))

    def departments_at(self, lat: float | None, lon: float | None) -> frozenset[str]:
        """The départements whose area holds the point: one overseas, or all the mainland's."""
        if lat is None or lon is None:
            return frozenset()
        for code, (south, north, west, east) in AREAS.items():
            if south <= lat <= north and west <= lon <= east:
                return frozenset({code})
        south, north, west, east = MAINLAND
        if south <= lat <= north and west <= lon <= east:
            return frozenset(code for code in self._departments if len(code) == 2)
        return frozenset()

    def departments_of_region(self, region: str) -> frozenset[str]:
        return frozenset(d.code for d in self._departments.values() if d.region == region)


@cache
def geography() -> Geography:
    """The process-wide geography, read from the vendored file on first use."""
    blob = resources.files("aggregator.data").joinpath(DATA_FILE).read_bytes()
    with collector_paused():  # a hundred thousand objects, kept for the process's life
        loaded = Geography(json.loads(gzip.decompress(blob)))
    # Everything alive now, the gazetteer above all, is left out of the collector's full rounds,
    # which would walk it all each time.
    gc.freeze()
    return loaded


class UnknownRegion(ValueError):
    """A name that is no région, former ones included; the message lists the official names."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.names = official_regions()
        super().__init__(f"Région inconnue : « {value} ». Les régions sont : {', '.join(self.names)}.")


def official_regions() -> tuple[str, ...]:
    """The official régions, in reading order."""
    return tuple(sorted(geography().regions, key=fold))


def official_region(value: str) -> str:
    """The official name of the région ``value`` names.

    :raise UnknownRegion: when no région has that name.
    """
    name = geography().region_named(value)
    if name is None:
        raise UnknownRegion(value)
    return name
