"""Rebuild geography.json.gz from the official open data of ``@etalab/decoupage-administratif``.

That npm package carries INSEE's Code officiel géographique and La Poste's postcodes. We keep only
what resolving a place needs: régions, départements, current communes with their postcodes, the
names of delegated and associated communes, and former commune codes.

Usage: python -m aggregator.data.build_geography [--package DIR] [--version X.Y.Z]
Without ``--package``, runs ``npm pack`` for the pinned version in a temporary directory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
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


def build(package: Path) -> dict[str, Any]:
    """The compact geography derived from the package's communes, départements and régions."""
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
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or fetch_package(args.version, Path(tmp))
        data = build(package)
        size = write(data, args.output)
    print(
        f"{args.output}: {size} bytes from {data['source']} — {len(data['communes'])} communes, "
        f"{len(data['departments'])} départements, {len(data['regions'])} régions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
