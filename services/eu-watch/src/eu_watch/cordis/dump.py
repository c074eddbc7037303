"""Reading the public CORDIS project dumps (``cordis-HORIZONprojects-csv.zip``):
``project.csv`` (``id``, ``acronym``, ``title``, ``topics``, ``frameworkProgramme``,
``startDate``, ``objective``…) and ``organization.csv`` (one row per participant:
``projectID``, ``organisationID`` — the PIC —, ``name``, ``shortName``, ``city``,
``country``, ``role``…), semicolon-separated, double-quoted, UTF-8. Either the zip or a
folder holding the two files (or one of the two files, its sibling beside it)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from eu_watch.cordis.policies import OrganisationRow, pic_of

PROJECTS = "project.csv"
ORGANISATIONS = "organization.csv"
#: What each file must have for the import to read it.
REQUIRED = {
    PROJECTS: ("id", "acronym", "title", "topics"),
    ORGANISATIONS: ("projectID", "organisationID", "name", "city", "country"),
}


class UnreadableDump(Exception):
    """The file is not a CORDIS dump this import reads (said why)."""


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    acronym: str
    title: str
    topics: tuple[str, ...]
    programme: str | None
    start_date: date | None
    objective: str | None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


class CordisDump:
    """A CORDIS dump on disk: a zip, or a folder with ``project.csv`` and
    ``organization.csv``."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise UnreadableDump(f"{path}: no such file or folder")
        if path.is_file() and path.name in REQUIRED:
            path = path.parent
        self.path = path
        if path.is_file() and not zipfile.is_zipfile(path):
            raise UnreadableDump(f"{path}: neither a zip nor a folder of CORDIS CSV files")
        for name in REQUIRED:
            if name not in self._names():
                raise UnreadableDump(f"{path}: no {name} in it")

    def _names(self) -> set[str]:
        if self.path.is_dir():
            return {p.name for p in self.path.iterdir()}
        with zipfile.ZipFile(self.path) as archive:
            return {Path(n).name for n in archive.namelist()}

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[str]]:
        if self.path.is_dir():
            with (self.path / name).open(encoding="utf-8-sig", newline="") as handle:
                yield handle
            return
        with zipfile.ZipFile(self.path) as archive:
            member = next(n for n in archive.namelist() if Path(n).name == name)
            with archive.open(member) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

    def _rows(self, name: str) -> Iterator[dict[str, str]]:
        with self._open(name) as handle:
            reader = csv.DictReader(handle, delimiter=";", quotechar='"')
            try:
                missing = [c for c in REQUIRED[name] if c not in (reader.fieldnames or ())]
                if missing:
                    raise UnreadableDump(f"{name}: no column {', '.join(missing)}")
                yield from reader
            except UnicodeDecodeError:
                # The dumps are UTF-8; a file saved again by a spreadsheet may not be. (Text
                # is decoded by blocks: the line at fault is not known.)
                raise UnreadableDump(f"{name}: not UTF-8; save it as UTF-8") from None
            except csv.Error as exc:
                # line_num counts the lines read before the record at fault.
                raise UnreadableDump(f"{name}: line {reader.line_num + 1}: {exc}") from None

    def organisations(self) -> Iterator[OrganisationRow]:
        for row in self._rows(ORGANISATIONS):
            project_id, name = _text(row.get("projectID")), _text(row.get("name"))
            if project_id is None or name is None:
                continue
            yield OrganisationRow(
                project_id=project_id,
                pic=pic_of(row.get("organisationID")),
                name=name,
                short_name=_text(row.get("shortName")),
                city=_text(row.get("city")),
                country=_text(row.get("country")),
                role=_text(row.get("role")),
            )

    def projects(self, wanted: Collection[str]) -> Iterator[ProjectRow]:
        """The projects whose ids are in ``wanted`` (the dump holds tens of thousands)."""
        for row in self._rows(PROJECTS):
            project_id = _text(row.get("id"))
            if project_id is None or project_id not in wanted:
                continue
            topics = tuple(t.strip() for t in (row.get("topics") or "").split(",") if t.strip())
            yield ProjectRow(
                project_id=project_id,
                acronym=_text(row.get("acronym")) or project_id,
                title=_text(row.get("title")) or "",
                topics=topics,
                programme=_text(row.get("frameworkProgramme")),
                start_date=_date(row.get("startDate")),
                objective=_text(row.get("objective")),
            )
