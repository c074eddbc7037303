"""The communes of the official geographic code (INSEE COG 2026), shipped with the code.

``contracts/data/communes.csv.gz`` (built by ``libs/contracts/scripts/build_communes.py``,
sources in ``contracts/data/SOURCES.md``) holds each current commune and each municipal
arrondissement of Paris, Lyon and Marseille: code, name, département, région, postcodes,
centre (the town hall) and population. Nothing is fetched at run time. It is read once per
process, on first use (about 35,000 rows, a few megabytes in memory).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import unicodedata
from dataclasses import dataclass
from importlib import resources

#: (Annotated, so the event-type declaration check never takes this file name for one.)
DATA_FILE: str = "communes.csv.gz"
#: The vintage of the official geographic code the file comes from.
COG_VINTAGE = 2026


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    department: str
    region: str
    postcodes: tuple[str, ...]
    #: The town hall's position; None for the few communes the sources give none.
    lat: float | None
    lon: float | None
    population: int


def fold(text: str) -> str:
    """Lower case, accents, hyphens and apostrophes away: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    for mark in ("-", "'", "\u2019", "."):
        plain = plain.replace(mark, " ")
    words = plain.split()
    # "St" and "Ste" as people write them.
    words = [{"st": "saint", "ste": "sainte"}.get(w, w) for w in words]
    return " ".join(words)


@functools.cache
def _communes() -> dict[str, Commune]:
    raw = resources.files("contracts.data").joinpath(DATA_FILE).read_bytes()
    reader = csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8")), delimiter=";")
    return {
        row["code"]: Commune(
            code=row["code"],
            name=row["name"],
            department=row["department"],
            region=row["region"],
            postcodes=tuple(row["postcodes"].split()),
            lat=float(row["lat"]) if row["lat"] else None,
            lon=float(row["lon"]) if row["lon"] else None,
            population=int(row["pop"] or 0),
        )
        for row in reader
    }


@functools.cache
def _folded_names() -> list[tuple[str, Commune]]:
    return [(fold(c.name), c) for c in _communes().values()]


def commune(code: str) -> Commune | None:
    """The commune with this INSEE code, or None when the geographic code has none."""
    return _communes().get(code)


def postcode_matches(code: str, postcode: str) -> bool:
    """Whether ``postcode`` is one of the commune's (True for a commune the file lacks)."""
    found = commune(code)
    return found is None or not found.postcodes or postcode in found.postcodes


def search_communes(query: str, *, limit: int = 20) -> list[Commune]:
    """Communes by postcode (digits: every commune of the postcodes starting so) or by name
    (accents, case, hyphens ignored; whole name first, then names starting with it, then
    names containing it; the most populated first within each)."""
    query = query.strip()
    if not query:
        return []
    if query.isdigit():
        found = [c for c in _communes().values() if any(p.startswith(query) for p in c.postcodes)]
        found.sort(key=lambda c: (min(p for p in c.postcodes if p.startswith(query)), c.name))
        return found[:limit]
    wanted = fold(query)
    ranked: list[tuple[int, int, str, Commune]] = []
    for name, found_commune in _folded_names():
        if name == wanted:
            rank = 0
        elif name.startswith(wanted):
            rank = 1
        elif wanted in name:
            rank = 2
        else:
            continue
        ranked.append((rank, -found_commune.population, found_commune.code, found_commune))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked[:limit]]


@dataclass(frozen=True)
class Placement:
    """Where a place goes on a map, and how precisely."""

    commune_insee: str | None
    lat: float | None
    lon: float | None
    #: ``address`` (coordinates given), ``commune`` (the commune's centre), or None.
    geo_precision: str | None


def commune_named(city: str, postcode: str | None) -> Commune | None:
    """The one commune called ``city`` (with ``postcode`` when given), or None if there are
    none or several (Saint-Martin…)."""
    wanted = fold(city)
    found = [
        c
        for name, c in _folded_names()
        if name == wanted and (postcode is None or postcode in c.postcodes)
    ]
    return found[0] if len(found) == 1 else None


def place(
    *,
    commune_insee: str | None,
    postcode: str | None,
    city: str | None,
    lat: float | None,
    lon: float | None,
    geo_precision: str | None,
) -> Placement:
    """Coordinates for a place: its own when given (precision ``address`` unless said),
    otherwise its commune's centre (precision ``commune``), the commune found from its code,
    or from its city and postcode when it has no code, so imported actors and events without
    coordinates still appear on maps and in ``near``/``bbox`` searches."""
    if lat is not None and lon is not None:
        return Placement(commune_insee, lat, lon, geo_precision or "address")
    found = commune(commune_insee) if commune_insee else None
    if found is None and commune_insee is None and city:
        found = commune_named(city, postcode)
        commune_insee = found.code if found else None
    if found is None or found.lat is None or found.lon is None:
        return Placement(commune_insee, None, None, None)
    return Placement(commune_insee, found.lat, found.lon, "commune")
