"""Responses as CSV (streamed in batches, flat memory) and XLSX with a codebook (staff)."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.identity import Identity
from kit.spreadsheets import neutralise
from surveys.actors.repository import known_actor_repository
from surveys.questionnaires.models import Survey
from surveys.results.cuts import attributes_of, questions_of
from surveys.results.repository import SubmittedRow, result_repository
from surveys.results.service import result_service

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARIS = ZoneInfo("Europe/Paris")
BOM = "\ufeff"
RESPONSE_COLUMNS = ("response_id", "version", "status", "submitted_at", "language")
ACTOR_COLUMNS = ("actor_id", "circle", "type", "club", "theme", "department", "region", "member")
#: Questions answered with one value per choice (or per matrix row).
PER_CHOICE = frozenset({"multiple_choice", "ranking", "split"})
#: Where "other, please specify" is written in a response's answers (``<code>.other``).
OTHER_TEXT = "other"
#: The column part holding that text when ``<code>.other`` already is the tick of a
#: multiple choice; no choice code holds a dot, so it can meet no choice's column.
OTHER_TEXT_PART = "other.text"


@dataclass(frozen=True)
class Column:
    """One column of answers: a question, or one of its choices or matrix rows."""

    name: str
    question: dict[str, Any]
    part: str | None = None  # the choice or row code
    #: The "other, please specify" text rather than the answer itself.
    other_text: bool = False


@dataclass(frozen=True)
class Layout:
    survey: Survey
    questions: list[dict[str, Any]]
    columns: list[Column]

    @property
    def named(self) -> bool:
        return not self.survey.anonymous

    @property
    def header(self) -> list[str]:
        fixed = list(RESPONSE_COLUMNS) + (list(ACTOR_COLUMNS) if self.named else [])
        return fixed + [c.name for c in self.columns]


def columns_of(questions: Sequence[dict[str, Any]]) -> list[Column]:
    """The answer columns: one per question, or one per choice or matrix row; a question
    allowing "other" adds the respondent's own text (``<code>.other``, or
    ``<code>.other.text`` beside a multiple choice's ``<code>.other`` tick)."""
    columns: list[Column] = []
    for question in questions:
        code, kind = question["code"], question["type"]
        if kind == "note":
            continue
        other = bool(question.get("allow_other"))
        if kind in PER_CHOICE:
            parts = [c["code"] for c in question.get("choices") or []]
            if other:
                parts.append("other")
        elif kind == "matrix":
            parts = [r["code"] for r in question.get("rows") or []]
        else:
            columns.append(Column(code, question))
            if other:
                columns.append(Column(f"{code}.{OTHER_TEXT}", question, other_text=True))
            continue
        columns.extend(Column(f"{code}.{part}", question, part) for part in parts)
        if other:
            columns.append(Column(f"{code}.{OTHER_TEXT_PART}", question, other_text=True))
    return columns


async def layout_for(session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity) -> Layout:
    survey, _ = await result_service.readable(session, survey_id=survey_id, identity=identity)
    versions = await result_repository.versions(session, survey.id)
    definitions = [v.definition for v in versions] or [{"sections": survey.sections}]
    questions = questions_of(definitions)
    return Layout(survey, questions, columns_of(questions))


def _label(question: Mapping[str, Any], code: Any, language: str) -> Any:
    for choice in question.get("choices") or []:
        if choice["code"] == code:
            label = choice.get("label") or {}
            return label.get(language) or label.get("fr") or code
    return code


def answer_cell(column: Column, answers: Mapping[str, Any], *, labels: bool, language: str) -> Any:
    """The cell of one column for one response (empty string when unanswered)."""
    question = column.question
    value: Any
    if column.other_text:  # the respondent's own words, as written
        text = answers.get(f"{question['code']}.{OTHER_TEXT}")
        value = text if isinstance(text, str) else None
    else:
        value = answers.get(question["code"])
    if value is None:
        return ""
    if column.part is not None:
        return _part_cell(question["type"], value, column.part)
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if labels and not column.other_text and question["type"] in ("single_choice", "dropdown"):
        return _label(question, value, language)
    return value


def _part_cell(kind: str, value: Any, part: str) -> Any:
    """A choice's column: ticked (1/0), its rank, its share, or a matrix row's value."""
    if kind == "multiple_choice":
        return 1 if isinstance(value, list) and part in value else 0
    if kind == "ranking":
        return value.index(part) + 1 if isinstance(value, list) and part in value else ""
    return value.get(part, "") if isinstance(value, Mapping) else ""


def _when(moment: datetime | None, *, day_only: bool = False) -> str:
    """A submission time in Paris; only its date for an anonymous survey, which keeps no
    more (a time would point at the invitation used then)."""
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return local.date().isoformat() if day_only else local.isoformat()


async def _rows(
    database: Database, layout: Layout, *, labels: bool, language: str
) -> AsyncIterator[list[list[Any]]]:
    async for batch in result_repository.stream_responses(database, layout.survey.id):
        attributes = await _attributes(database, batch) if layout.named else {}
        rows = []
        for response in batch:
            row: list[Any] = [
                str(response.id),
                response.version,
                response.status,
                _when(response.submitted_at, day_only=not layout.named),
                response.language,
            ]
            if layout.named:
                found = attributes.get(response.id, {})
                row.append(str(response.actor_id) if response.actor_id else "")
                row.extend(_flat(found.get(name)) for name in ACTOR_COLUMNS[1:])
            answers = response.answers or {}
            row.extend(
                answer_cell(c, answers, labels=labels, language=language) for c in layout.columns
            )
            rows.append([neutralise(cell) for cell in row])
        yield rows


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return "|".join(map(str, value))
    if value is None:
        return ""
    return value


async def _attributes(
    database: Database, batch: Sequence[SubmittedRow]
) -> dict[uuid.UUID, dict[str, Any]]:
    missing = {r.actor_id for r in batch if not r.profile and r.actor_id is not None}
    async with database.transaction() as session:
        actors = await known_actor_repository.get_many(session, missing)
    out = {}
    for response in batch:
        actor = actors.get(response.actor_id) if response.actor_id else None
        source = response.profile or (actor.profile() if actor is not None else None)
        out[response.id] = attributes_of(source)
    return out


async def csv_lines(
    database: Database, layout: Layout, *, labels: bool, language: str
) -> AsyncIterator[bytes]:
    """The CSV, batch by batch: UTF-8 with BOM, ``;``, formula-like cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(layout.header)
    yield (BOM + buffer.getvalue()).encode()
    async for rows in _rows(database, layout, labels=labels, language=language):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue().encode()


def codebook(layout: Layout) -> list[list[Any]]:
    """One line per column: code, question type, labels, choices, the condition it shows on."""
    lines: list[list[Any]] = [
        ["column", "question", "type", "label_fr", "label_en", "choices", "show_if", "required"]
    ]
    for column in layout.columns:
        question = column.question
        label = question.get("label") or {}
        choices = " | ".join(
            f"{c['code']}={(c.get('label') or {}).get('fr', '')}"
            for c in (question.get("choices") or [])
        )
        condition = question.get("show_if")
        label_fr, label_en = label.get("fr", ""), label.get("en") or ""
        if column.other_text:
            label_fr += " (autre, précisez)"
            label_en += " (other, please specify)" if label_en else ""
            choices = ""
        lines.append(
            [
                column.name,
                question["code"],
                question["type"],
                label_fr,
                label_en,
                choices,
                orjson.dumps(condition).decode() if condition else "",
                "yes" if question.get("required") else "no",
            ]
        )
    return [[neutralise(cell) for cell in line] for line in lines]


async def xlsx_bytes(database: Database, layout: Layout, *, labels: bool, language: str) -> bytes:
    rows = [
        row
        async for batch in _rows(database, layout, labels=labels, language=language)
        for row in batch
    ]
    return await asyncio.to_thread(_workbook, layout, rows)


def _workbook(layout: Layout, rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    responses = book.create_sheet("responses")
    responses.append(layout.header)
    for row in rows:
        responses.append(row)
    sheet = book.create_sheet("codebook")
    for line in codebook(layout):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
