"""Turning a spreadsheet row into an actor, the way people fill spreadsheets: how an import
row is read and validated (:func:`validate_row`), in one place.

Lists are separated by ``|``, ``;`` or ``,``; vocabulary values may be codes or their French
or English labels (accents and case ignored); booleans read oui/non, yes/no, 1/0, x.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from contracts.labels import ACTOR_STATUS, ACTOR_TYPE, AUDIENCE, CLUB, THEME, Labels
from directory.actors.fields import ADDRESS_FIELDS
from directory.actors.schemas import ActorCreate
from kit.normalize import fold
from kit.problems import field_path

_LIST_SEPARATORS = re.compile(r"\s*[|;,]\s*")
_TRUE = frozenset({"oui", "yes", "true", "vrai", "1", "x", "o", "y"})
_FALSE = frozenset({"non", "no", "false", "faux", "0", "n", ""})


def _index(labels: Labels) -> dict[str, str]:
    index = {}
    for code, (fr, en) in labels.items():
        for spelling in (code, fr, en, code.replace("_", " ")):
            index[fold(spelling)] = code
    return index


_VOCABULARIES = {
    "types": _index(ACTOR_TYPE),
    "themes": _index(THEME),
    "audiences": _index(AUDIENCE),
    "clubs": _index(CLUB),
}
_STATUS = _index(ACTOR_STATUS)


class RowError(ValueError):
    """A value no rule can read; carries the column at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RowInvalid(ValueError):
    """A row that is not an actor: every fault found, each ``{"field", "message"}``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def validate_row(row: dict[str, str], *, source: str) -> tuple[ActorCreate, str | None]:
    """The actor a row creates (validated as the API validates ``POST /v1/actors``) and its
    external id in ``source``; raises :class:`RowInvalid` naming each field at fault."""
    try:
        payload, external_id = row_to_actor(row, source=source)
        return ActorCreate.model_validate(payload), external_id
    except RowError as exc:
        raise RowInvalid([{"field": exc.field, "message": str(exc)}]) from exc
    except ValidationError as exc:
        raise RowInvalid(
            [{"field": _column_of(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        ) from exc


def _column_of(loc: tuple[str | int, ...]) -> str:
    """The column a validation error is about: an address part is its own column
    (``commune_insee``, ``postcode``), not ``address.postcode``."""
    if len(loc) == 2 and loc[0] == "address" and loc[1] in ADDRESS_FIELDS:
        return str(loc[1])
    return field_path(("body", *loc))


def row_to_actor(row: dict[str, str], *, source: str) -> tuple[dict[str, Any], str | None]:
    """The ``ActorCreate`` payload of ``row`` and its external id in ``source`` (if any)."""
    payload: dict[str, Any] = {"name": row.get("name", "")}
    for field in ("kind", "acronym", "description", "website", "email", "phone", "siret"):
        if field in row:
            payload[field] = row[field]
    for field, vocabulary in _VOCABULARIES.items():
        if field in row:
            payload[field] = _codes(field, row[field], vocabulary)
    if "circle" in row:
        payload["circle"] = _circle(row["circle"])
    if "status" in row:
        payload["status"] = _STATUS.get(fold(row["status"]), row["status"])
    address = _address(row)
    if address:
        payload["address"] = address
    if "member" in row or "member_since" in row:
        payload["membership"] = {
            "member": _boolean("member", row.get("member", "oui")),
            "since": row.get("member_since") or None,
        }
    external_id = row.get("external_id")
    if external_id:
        payload["ext_ids"] = {source: external_id}
    return payload, external_id


def _address(row: dict[str, str]) -> dict[str, Any]:
    address: dict[str, Any] = {}
    # ``geo_precision`` comes from the address base when the import geocodes (kit.geocoding).
    for field in ADDRESS_FIELDS:
        if field in row:
            address[field] = _number(field, row[field]) if field in ("lat", "lon") else row[field]
    if "postcode" in address and len(address["postcode"]) == 4 and address["postcode"].isdigit():
        address["postcode"] = "0" + address["postcode"]  # Excel drops the leading zero
    if "commune_insee" in address and len(address["commune_insee"]) == 4:
        address["commune_insee"] = "0" + address["commune_insee"]
    return address


def _split(value: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(value.strip()) if part]


def _codes(field: str, value: str, vocabulary: dict[str, str]) -> list[str]:
    """Codes of a list cell; a whole cell that is one label (labels may hold commas) wins."""
    whole = vocabulary.get(fold(value))
    if whole is not None:
        return [whole]
    parts = re.split(r"\s*[|;]\s*", value) if re.search(r"[|;]", value) else _split(value)
    return [_code(field, part, vocabulary) for part in parts if part]


def _code(field: str, value: str, vocabulary: dict[str, str]) -> str:
    code = vocabulary.get(fold(value))
    if code is None:
        raise RowError(field, f"unknown value {value!r}")
    return code


def _circle(value: str) -> int:
    digits = re.sub(r"\D", "", value)
    if digits not in {"1", "2", "3"}:
        raise RowError("circle", f"circles are 1, 2 or 3, not {value!r}")
    return int(digits)


def _boolean(field: str, value: str) -> bool:
    folded = fold(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise RowError(field, f"expected oui/non, not {value!r}")


def _number(field: str, value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError as exc:
        raise RowError(field, f"not a number: {value!r}") from exc
