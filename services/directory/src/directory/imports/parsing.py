"""Reading spreadsheets as users really send them.

CSV in UTF-8 (with or without BOM) or Windows-1252, separated by ``,`` or ``;``; XLSX;
French or English headers. Rows come out as ``(line number, {canonical column: text})``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kit.normalize import fold
from kit.spreadsheets import UnreadableWorkbook, xlsx_sheets

XLSX_MAGIC = b"PK\x03\x04"

#: Canonical column → accepted header spellings (folded: no accents, lower case).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "raison sociale", "structure", "nom de la structure"),
    "kind": ("kind", "nature", "genre"),
    "acronym": ("acronym", "sigle", "acronyme"),
    "types": ("types", "type", "type de structure", "typologie"),
    "circle": ("circle", "cercle"),
    "themes": ("themes", "theme", "thematiques", "thematique"),
    "audiences": ("audiences", "audience", "publics", "public"),
    "clubs": ("clubs", "club", "famille", "familles"),
    "description": ("description", "presentation"),
    "street": ("street", "address", "adresse", "rue"),
    "postcode": ("postcode", "postal code", "zip", "code postal", "cp"),
    "city": ("city", "ville", "commune"),
    "commune_insee": (
        "commune_insee",
        "insee",
        "code insee",
        "code commune",
        "code commune insee",
        "commune insee",
        "code insee commune",
    ),
    "department": ("department", "departement", "dept"),
    "region": ("region",),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "website": ("website", "site", "site web", "site internet", "url", "web"),
    "email": (
        "email",
        "e-mail",
        "courriel",
        "mail",
        "adresse electronique",
        "adresse e-mail",
        "adresse mail",
        "email address",
    ),
    "phone": ("phone", "telephone", "tel", "numero de telephone", "portable", "mobile"),
    "siret": ("siret", "n siret", "numero siret", "no siret", "siret number"),
    "member": ("member", "adherent", "membre"),
    "member_since": ("member_since", "adherent depuis", "date d'adhesion"),
    "status": ("status", "statut"),
    "external_id": ("external_id", "ext_id", "id", "identifiant", "identifiant externe"),
}


def header_key(title: str) -> str:
    """A header as compared: accents, case and punctuation away (``N° SIRET`` → ``n siret``,
    ``Adresse e-mail`` → ``adresse e mail``, ``Tél.`` → ``tel``)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(title)).split())


_LOOKUP = {
    header_key(spelling): column for column, spellings in HEADERS.items() for spelling in spellings
}


def closest_header(title: str) -> str | None:
    """The known header nearest an unknown one, to suggest in the report."""
    close = difflib.get_close_matches(header_key(title), list(_LOOKUP), n=1, cutoff=0.6)
    return close[0] if close else None


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX Maillage can read; the message says why."""


@dataclass
class Sheet:
    columns: list[str]
    ignored_headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def detect_format(content: bytes) -> str:
    return "xlsx" if content.startswith(XLSX_MAGIC) else "csv"


def read_sheet(content: bytes, file_format: str) -> Sheet:
    """Parse the whole file into rows keyed by canonical column (blocking: use a thread)."""
    raw_rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content)
    try:
        header = next(raw_rows)
    except StopIteration as exc:
        raise UnreadableFile("the file is empty") from exc
    mapping: dict[int, str] = {}
    ignored = []
    for index, title in enumerate(header):
        column = _LOOKUP.get(header_key(title))
        if column and column not in mapping.values():
            mapping[index] = column
        elif title.strip():
            ignored.append(title.strip())
    if "name" not in mapping.values():
        raise UnreadableFile(
            "no name column: the first row must hold headers such as 'nom' or 'name'"
        )
    rows = []
    for line, values in enumerate(raw_rows, start=2):
        row = {
            column: values[index].strip()
            for index, column in mapping.items()
            if index < len(values) and values[index].strip()
        }
        if row:
            rows.append((line, row))
    return Sheet(columns=list(mapping.values()), ignored_headers=ignored, rows=rows)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("neither UTF-8 nor Windows-1252 text")  # pragma: no cover


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if b"\x00" in content[:4096]:
        raise UnreadableFile("binary content: expected a CSV or an XLSX file")
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV: {exc}") from exc


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        sheets = xlsx_sheets(content)
    except UnreadableWorkbook as exc:
        raise UnreadableFile(str(exc)) from exc
    for values in next(iter(sheets.values()), []):
        yield ["" if v is None else _cell_text(v) for v in values]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value)
