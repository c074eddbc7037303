"""Exports of the directory: CSV for Excel, XLSX, GeoJSON for maps, vCard for contacts.

Rows are read in keyset batches and written as they come, so exporting the whole network
holds one batch in memory, not 100,000 actors. What each caller sees follows the same
visibility rules as the API (private columns only for staff).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import orjson

from directory.actors import policies
from directory.actors.fields import ADDRESS_FIELDS, MEMBERSHIP_FIELDS
from directory.actors.models import Actor
from directory.actors.search import ActorSearch, Sort, search_page
from directory.actors.service import actor_service
from kit.db import Database
from kit.identity import Identity
from kit.spreadsheets import neutralise

BATCH = 500
PUBLIC_COLUMNS = [
    "id",
    "name",
    "acronym",
    "kind",
    "types",
    "circle",
    "themes",
    "audiences",
    "clubs",
    *ADDRESS_FIELDS,
    "website",
    "email",
    "phone",
    "siret",
    "status",
    "updated_at",
]
STAFF_COLUMNS = [*PUBLIC_COLUMNS, "member", *MEMBERSHIP_FIELDS]


def columns_for(identity: Identity) -> list[str]:
    return STAFF_COLUMNS if policies.may_export_private(identity) else PUBLIC_COLUMNS


def cell(actor: Actor, column: str) -> Any:
    value = getattr(actor, column)
    if column == "id":
        return str(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if column in ("updated_at", "member_since", "paid_until", "charter_signed_at") and value:
        return value.isoformat()
    return value


async def actors_in_batches(database: Database, search: ActorSearch) -> AsyncIterator[Actor]:
    """Every actor the search selects, in name order, one batch in memory at a time.

    It reads in its own transactions: a streamed body outlives the request's session.
    """
    search = replace(search, sort=Sort.NAME, updated_since=None)
    after: str | None = None
    while True:
        async with database.transaction(write=False) as session:
            page = await search_page(session, search, limit=BATCH, after=after)
        for actor in page.actors:
            yield actor
        if page.next is None:
            return
        after = page.next


async def csv_chunks(actors: AsyncIterator[Actor], identity: Identity) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM and ``;`` separators: what French Excel opens without a wizard."""
    columns = columns_for(identity)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    async for actor in actors:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell(actor, c)) for c in columns])
        yield buffer.getvalue().encode()


async def geojson_chunks(actors: AsyncIterator[Actor], identity: Identity) -> AsyncIterator[bytes]:
    """A GeoJSON FeatureCollection of the actors that have coordinates."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for actor in actors:
        if actor.lat is None or actor.lon is None:
            continue
        feature = {
            "type": "Feature",
            "id": str(actor.id),
            "geometry": {"type": "Point", "coordinates": [actor.lon, actor.lat]},
            "properties": {
                "name": actor.name,
                "types": actor.types,
                "circle": actor.circle,
                "city": actor.city,
                "department": actor.department,
                "website": actor.website,
            },
        }
        yield (b"" if first else b",") + orjson.dumps(feature)
        first = False
    yield b"]}"


def _vcard_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _card(lines: list[str | None]) -> bytes:
    kept = [line for line in lines if line]
    return ("\r\n".join(["BEGIN:VCARD", "VERSION:4.0", *kept, "END:VCARD"]) + "\r\n").encode()


async def vcard_chunks(actors: AsyncIterator[Actor], identity: Identity) -> AsyncIterator[bytes]:
    """vCard 4.0 (RFC 6350): one card per actor (``KIND:org``, with its address, position,
    e-mail, phone and website), then one per contact person with the organisation it belongs
    to. Each card has its own UID, so an address book keeps them apart."""
    async for actor in actors:
        view = actor_service.to_read(actor)
        address = view.address
        adr = geo = None
        if address is not None and (address.street or address.city or address.postcode):
            parts = ["", "", address.street or "", address.city or "", "", address.postcode or ""]
            adr = "ADR;TYPE=work:" + ";".join(_vcard_escape(p) for p in parts) + ";France"
        if address is not None and address.lat is not None and address.lon is not None:
            geo = f"GEO:geo:{address.lat},{address.lon}"
        yield _card(
            [
                "KIND:org",
                f"FN:{_vcard_escape(actor.name)}",
                f"ORG:{_vcard_escape(actor.name)}",
                adr,
                geo,
                f"EMAIL;TYPE=work:{view.email}" if view.email else None,
                f"TEL;TYPE=work;VALUE=uri:tel:{view.phone}" if view.phone else None,
                f"URL:{view.website}" if view.website else None,
                f"UID:urn:uuid:{actor.id}",
            ]
        )
        for contact in view.contacts:
            person = uuid.uuid5(actor.id, contact.name)
            yield _card(
                [
                    "KIND:individual",
                    f"FN:{_vcard_escape(contact.name)}",
                    f"ORG:{_vcard_escape(actor.name)}",
                    f"TITLE:{_vcard_escape(contact.role)}" if contact.role else None,
                    f"EMAIL:{contact.email}" if contact.email else None,
                    f"TEL;VALUE=uri:tel:{contact.phone}" if contact.phone else None,
                    f"RELATED;TYPE=co-worker:urn:uuid:{actor.id}",
                    f"UID:urn:uuid:{person}",
                ]
            )


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """An XLSX workbook of ``rows`` (header first), built in a thread by the caller."""
    from openpyxl import Workbook  # noqa: PLC0415 - heavy; only XLSX exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Acteurs")
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


Exporter = Callable[[AsyncIterator[Actor], Identity], AsyncIterator[bytes]]
STREAMED: dict[str, tuple[Exporter, str, str]] = {
    "csv": (csv_chunks, "text/csv; charset=utf-8", "acteurs.csv"),
    "geojson": (geojson_chunks, "application/geo+json", "acteurs.geojson"),
    "vcf": (vcard_chunks, "text/vcard; charset=utf-8", "contacts.vcf"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
