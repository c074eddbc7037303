"""XLSForm (the spreadsheet standard of KoboToolbox and ODK) to a survey definition.

Takes the ``survey`` sheet (``type``, ``name``, ``label`` or ``label::fr``/``label::en`` and
their ``label::French (fr)`` spellings, ``hint``, ``required``, ``relevant``, ``appearance``,
``parameters``), the ``choices`` sheet (``list_name``, ``name``, labels) and ``settings``
(``form_title``). Groups become sections. ``relevant`` is read in its common forms —
``${q} = 'v'``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``selected(${q}, 'v')``, ``${q} != ''``,
``and``, ``or``, ``not(...)``, parentheses — into ``show_if``.

Whatever it cannot take is an error naming sheet, row and column; one error and nothing is
made. The workbook is opened by openpyxl, which parses its XML through defusedxml (no DTD, no
entity expansion), read-only with values only (no formula evaluated), after a check of the
archive's uncompressed size.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from surveys.questionnaires.conditions import MAX_DEPTH

#: Larger spreadsheets are not questionnaires (and might be zip bombs).
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
#: XLSForm metadata types that collect nothing from the respondent: skipped.
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "simserial",
        "subscriberid",
        "phonenumber",
        "audit",
        "start-geopoint",
        "calculate_here",
    }
)
SIMPLE_TYPES = {
    "integer": "integer",
    "decimal": "decimal",
    "text": "short_text",
    "date": "date",
    "note": "note",
    "acknowledge": "yes_no",
}
#: How pyxform's forms write a yes/no column (``required``): yes, true, true() and French.
TRUE_WORDS = frozenset({"yes", "true", "true()", "1", "oui", "vrai"})
FALSE_WORDS = frozenset({"no", "false", "false()", "0", "non", "faux", ""})
_LANGUAGE_IN_PARENS = re.compile(r"\(([a-z]{2})\)\s*$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@dataclass
class XlsFormError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def as_error(self) -> dict[str, Any]:
        where = self.sheet
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" column {self.column}"
        return {
            "field": where,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class XlsFormRefused(Exception):
    """The spreadsheet cannot be taken; ``errors`` says where and why."""

    def __init__(self, errors: list[XlsFormError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


@dataclass
class Sheet:
    name: str
    headers: dict[str, int]  # lower-cased header → column index (0-based)
    header_names: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values)

    def cell(self, values: list[Any], header: str) -> str:
        index = self.headers.get(header)
        if index is None or index >= len(values) or values[index] is None:
            return ""
        value = values[index]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def column_name(self, header: str) -> str:
        """``C (relevant)``: the column's letter and its header, as a spreadsheet shows them."""
        index = self.headers.get(header)
        if index is None:
            return header
        return f"{get_column_letter(index + 1)} ({self.header_names[index]})"


@dataclass
class Parsed:
    """The definition read, and where each question came from (for later errors)."""

    definition: dict[str, Any]
    question_rows: dict[tuple[int, int], int] = field(default_factory=dict)
    section_rows: dict[int, int] = field(default_factory=dict)


def parse_xlsform(content: bytes) -> Parsed:
    """Read an XLSForm workbook into a survey definition (raises :class:`XlsFormRefused`)."""
    sheets = _read_workbook(content)
    survey = sheets.get("survey")
    if survey is None:
        raise XlsFormRefused(
            [XlsFormError("survey", None, None, "the workbook has no 'survey' sheet")]
        )
    errors: list[XlsFormError] = []
    choices = _read_choices(sheets.get("choices"), errors)
    settings = sheets.get("settings")
    title = ""
    if settings is not None and settings.rows:
        title = settings.cell(settings.rows[0][1], "form_title")
    reader = _SurveyReader(survey, choices, errors)
    reader.read()
    if errors:
        raise XlsFormRefused(errors)
    languages = ["fr", "en"] if reader.has_english else ["fr"]
    definition = {
        "title": {"fr": title or "Questionnaire importé"},
        "languages": languages,
        "sections": reader.sections,
    }
    return Parsed(definition, reader.question_rows, reader.section_rows)


def _read_workbook(content: bytes) -> dict[str, Sheet]:
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy; only imports need it
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    unreadable = XlsFormRefused(
        [XlsFormError("workbook", None, None, "not a readable XLSX workbook")]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise XlsFormRefused(
                    [XlsFormError("workbook", None, None, "the workbook is too large")]
                )
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise unreadable from exc
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            rows = worksheet.iter_rows(values_only=True)
            header_row = next(rows, None)
            if header_row is None:
                continue
            header_names = ["" if h is None else str(h).strip() for h in header_row]
            headers = {h.lower(): i for i, h in enumerate(header_names) if h}
            body = []
            for number, values in enumerate(rows, start=2):
                if number > MAX_ROWS:
                    raise XlsFormRefused(
                        [XlsFormError(worksheet.title, number, None, f"more than {MAX_ROWS} rows")]
                    )
                if any(v not in (None, "") for v in values):
                    body.append((number, list(values)))
            sheets[worksheet.title.strip().lower()] = Sheet(
                worksheet.title, headers, header_names, body
            )
    finally:
        workbook.close()
    return sheets


def _labels(sheet: Sheet, values: list[Any], base: str = "label") -> dict[str, str]:
    """``{fr, en}`` from ``label``, ``label::fr``, ``label::French (fr)``..."""
    found: dict[str, str] = {}
    for header in sheet.headers:
        if header == base:
            language = "fr"
        elif header.startswith(base + "::"):
            suffix = header[len(base) + 2 :].strip()
            match = _LANGUAGE_IN_PARENS.search(suffix)
            language = match.group(1) if match else suffix[:2]
        else:
            continue
        text = sheet.cell(values, header)
        if text and language in ("fr", "en"):
            found.setdefault(language, text)
    return found


def _read_choices(
    sheet: Sheet | None, errors: list[XlsFormError]
) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    rows: dict[tuple[str, str], int] = {}  # (list, choice) → its first row
    if sheet is None:
        return lists
    for header in ("list_name", "name"):
        if header not in sheet.headers:
            errors.append(
                XlsFormError(sheet.name, 1, header, f"the choices sheet needs a '{header}' column")
            )
            return lists
    for row, values in sheet.rows:
        list_name, name = sheet.cell(values, "list_name"), sheet.cell(values, "name")
        if not _CODE.match(name):
            errors.append(
                XlsFormError(
                    sheet.name,
                    row,
                    sheet.column_name("name"),
                    f"'{name}' is not a code ([a-z][a-z0-9_]*)",
                )
            )
            continue
        first = rows.setdefault((list_name, name), row)
        if first != row:
            errors.append(
                XlsFormError(
                    sheet.name,
                    row,
                    sheet.column_name("name"),
                    f"'{name}' is already a choice of list '{list_name}' (row {first})",
                )
            )
            continue
        label = _labels(sheet, values)
        if "fr" not in label:
            label = {"fr": label.get("en", name), **({"en": label["en"]} if "en" in label else {})}
        lists.setdefault(list_name, []).append({"code": name, "label": label})
    return lists


class _SurveyReader:
    def __init__(
        self, sheet: Sheet, choices: dict[str, list[dict[str, Any]]], errors: list[XlsFormError]
    ) -> None:
        self.sheet = sheet
        self.choices = choices
        self.errors = errors
        self.sections: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.types: dict[str, str] = {}
        self.name_rows: dict[str, int] = {}  # question name → its row, for duplicates
        self.question_rows: dict[tuple[int, int], int] = {}
        self.section_rows: dict[int, int] = {}
        self.has_english = False

    def error(self, row: int, header: str | None, message: str) -> None:
        column = self.sheet.column_name(header) if header else None
        self.errors.append(XlsFormError(self.sheet.name, row, column, message))

    def read(self) -> None:
        for header in ("type", "name"):
            if header not in self.sheet.headers:
                self.error(1, None, f"the survey sheet needs a '{header}' column")
                return
        for row, values in self.sheet.rows:
            self.read_row(row, values)
        if self.current is not None and self.current.get("_group"):
            self.error(self.current["_row"], "type", "begin_group without end_group")
        for section in self.sections:
            section.pop("_group", None)
            section.pop("_row", None)

    def read_row(self, row: int, values: list[Any]) -> None:
        cell = functools.partial(self.sheet.cell, values)
        kind = re.sub(r"\s+", " ", cell("type")).strip()
        for spaced in ("begin group", "end group", "begin repeat", "end repeat"):
            kind = kind.replace(spaced, spaced.replace(" ", "_"))
        words = kind.split()
        if not words:
            if cell("name"):
                self.error(row, "type", "a row with a name needs a type")
            return
        head = words[0].lower()
        if head in METADATA_TYPES:
            return
        if head == "end_repeat":
            return  # its begin_repeat is refused, once
        if head == "end_group":
            if self.current is None or not self.current.get("_group"):
                self.error(row, "type", "end_group without begin_group")
            self.current = None
            return
        label = _labels(self.sheet, values)
        if "en" in label:
            self.has_english = True
        if head == "begin_group":
            self.begin_group(row, cell, label)
            return
        self.read_question(row, cell, words, label)

    def begin_group(self, row: int, cell: Callable[[str], str], label: dict[str, str]) -> None:
        if self.current is not None and self.current.get("_group"):
            self.error(row, "type", "groups inside groups are not supported: one group, one page")
            return
        name = cell("name")
        if name and not _CODE.match(name):
            self.error(row, "name", f"'{name}' is not a code ([a-z][a-z0-9_]*)")
        section: dict[str, Any] = {
            "title": self.label_or_name(label, name or f"page_{len(self.sections) + 1}"),
            "questions": [],
            "_group": True,
            "_row": row,
        }
        if name and _CODE.match(name):
            section["code"] = name
        relevant = cell("relevant")
        if relevant:
            condition = self.condition(row, relevant)
            if condition is not None:
                section["show_if"] = condition
        self.section_rows[len(self.sections)] = row
        self.sections.append(section)
        self.current = section

    def read_question(
        self, row: int, cell: Callable[[str], str], words: list[str], label: dict[str, str]
    ) -> None:
        name = cell("name")
        if not _CODE.match(name):
            self.error(row, "name", f"'{name}' is not a code ([a-z][a-z0-9_]*)")
            return
        if name in self.name_rows:
            self.error(row, "name", f"'{name}' is already the name of row {self.name_rows[name]}")
            return
        self.name_rows[name] = row
        question = self.typed_question(row, cell, words, name)
        if question is None:
            return
        question["label"] = self.label_or_name(label, name)
        help_text = cell("hint") or cell("hint::fr") or cell("hint::french (fr)")
        if help_text:
            question["help"] = {"fr": help_text}
        required = cell("required").lower()
        if required in TRUE_WORDS:
            question["required"] = question["type"] != "note"
        elif required not in FALSE_WORDS:
            self.error(row, "required", f"'{cell('required')}' is not yes or no")
        relevant = cell("relevant")
        if relevant:
            condition = self.condition(row, relevant)
            if condition is not None:
                question["show_if"] = condition
        if self.current is None:
            self.section_rows[len(self.sections)] = row
            self.sections.append({"title": {"fr": "Questions"}, "questions": [], "_row": row})
            self.current = self.sections[-1]
        position = (len(self.sections) - 1, len(self.current["questions"]))
        self.question_rows[position] = row
        self.current["questions"].append(question)
        self.types[name] = question["type"]

    def typed_question(
        self, row: int, cell: Callable[[str], str], words: list[str], name: str
    ) -> dict[str, Any] | None:
        head = words[0].lower()
        if head in ("select_one", "select_multiple", "rank"):
            return self.choice_question(row, cell, words, name)
        if head == "range":
            return self.range_question(row, cell, name)
        if len(words) == 1 and head in SIMPLE_TYPES:
            kind = SIMPLE_TYPES[head]
            if head == "text" and "multiline" in cell("appearance").lower():
                kind = "long_text"
            return {"code": name, "type": kind}
        self.error(row, "type", f"type '{' '.join(words)}' is not supported")
        return None

    def choice_question(
        self, row: int, cell: Callable[[str], str], words: list[str], name: str
    ) -> dict[str, Any] | None:
        head = words[0].lower()
        list_name = words[1] if len(words) > 1 else ""
        extra = [w.lower() for w in words[2:]]
        if not list_name:
            problem = f"{head} needs a list name: '{head} list'"
        elif list_name not in self.choices:
            problem = f"no list '{list_name}' in the choices sheet"
        elif extra and (extra != ["or_other"] or head == "rank"):
            problem = f"'{' '.join(words[2:])}' after the list name is not supported here"
        else:
            kind = {
                "select_one": "single_choice",
                "select_multiple": "multiple_choice",
                "rank": "ranking",
            }[head]
            if head == "select_one" and "minimal" in cell("appearance").lower():
                kind = "dropdown"
            question: dict[str, Any] = {
                "code": name,
                "type": kind,
                "choices": self.choices[list_name],
            }
            if extra:
                question["allow_other"] = True
            return question
        self.error(row, "type", problem)
        return None

    def range_question(
        self, row: int, cell: Callable[[str], str], name: str
    ) -> dict[str, Any] | None:
        parameters = dict(part.split("=", 1) for part in cell("parameters").split() if "=" in part)
        try:
            low, high = int(parameters.get("start", "1")), int(parameters.get("end", "5"))
        except ValueError:
            self.error(row, "parameters", "range start and end are whole numbers")
            return None
        return {"code": name, "type": "scale", "min": low, "max": high}

    def label_or_name(self, label: dict[str, str], name: str) -> dict[str, str]:
        if "fr" in label:
            return label
        return {"fr": label.get("en", name), **({"en": label["en"]} if "en" in label else {})}

    def condition(self, row: int, expression: str) -> dict[str, Any] | None:
        try:
            return RelevantParser(expression, self.types).parse()
        except RelevantError as exc:
            self.error(row, "relevant", f"cannot read '{expression}': {exc}")
            return None


class RelevantError(Exception):
    """A ``relevant`` expression the reader cannot turn into a condition (reported by cell)."""


_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^}]*\})|(?P<string>'[^']*'|\"[^\"]*\")|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[(),])|(?P<word>[A-Za-z_-]+))"
)
_OPERATORS = {"=": "eq", "!=": "ne", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
_NUMERIC = frozenset({"integer", "decimal", "percent", "scale"})


class RelevantParser:
    """A recursive-descent reader of XLSForm ``relevant`` expressions (the common subset).

    Each parenthesis or ``not(`` goes one call deeper: their nesting is bounded by the
    conditions' own (:data:`~surveys.questionnaires.conditions.MAX_DEPTH`), so that a cell of
    a few hundred ``(`` is a 422 naming it, not Python's ``RecursionError`` (a 500)."""

    def __init__(self, text: str, types: dict[str, str]) -> None:
        self.tokens = list(self._tokenize(text))
        self.position = 0
        self.types = types
        self.depth = 0

    @staticmethod
    def _tokenize(text: str) -> Iterator[tuple[str, str]]:
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise RelevantError(f"unexpected '{text[position:].strip()[:20]}'")
            kind = match.lastgroup or ""
            yield kind, match.group(kind)
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1

    def parse(self) -> dict[str, Any]:
        condition = self.disjunction()
        if self.position != len(self.tokens):
            raise RelevantError(f"unexpected '{self.tokens[self.position][1]}'")
        return condition

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1].lower() != value):
            wanted = value or kind
            found = token[1] if token else "the end"
            raise RelevantError(f"expected {wanted}, found {found}")
        self.position += 1
        return token[1]

    def accept_word(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.position += 1
            return True
        return False

    def disjunction(self) -> dict[str, Any]:
        parts = [self.conjunction()]
        while self.accept_word("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def nested(self) -> dict[str, Any]:
        """What stands between a ``(`` and its ``)``, one level deeper."""
        if self.depth >= MAX_DEPTH:
            raise RelevantError(f"parentheses nest at most {MAX_DEPTH} deep")
        self.depth += 1
        inner = self.disjunction()
        self.depth -= 1
        return inner

    def conjunction(self) -> dict[str, Any]:
        parts = [self.negation()]
        while self.accept_word("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def negation(self) -> dict[str, Any]:
        if self.accept_word("not"):
            self.take("punct", "(")
            inner = self.nested()
            self.take("punct", ")")
            return {"not": inner}
        return self.primary()

    def primary(self) -> dict[str, Any]:
        token = self.peek()
        if token == ("punct", "("):
            self.position += 1
            inner = self.nested()
            self.take("punct", ")")
            return inner
        if self.accept_word("selected"):
            self.take("punct", "(")
            code = self.reference()
            self.take("punct", ",")
            value = self.literal()
            self.take("punct", ")")
            return {
                "q": code,
                "op": "contains" if self.types[code] in ("multiple_choice", "ranking") else "eq",
                "value": value,
            }
        code = self.reference()
        op = self.take("op")
        value = self.literal()
        if value == "":
            if op not in ("=", "!="):
                raise RelevantError("only = and != compare with ''")
            return {"q": code, "op": "answered", "value": op == "!="}
        if self.types[code] in _NUMERIC and isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError as exc:
                raise RelevantError(f"'{code}' is a number: '{value}' is not") from exc
        if self.types[code] == "multiple_choice" and op in ("=", "!="):
            raise RelevantError(f"'{code}' is select_multiple: use selected(${{{code}}}, 'v')")
        return {"q": code, "op": _OPERATORS[op], "value": value}

    def reference(self) -> str:
        raw = self.take("ref")
        code = raw[2:-1].strip()
        if code not in self.types:
            raise RelevantError(f"${{{code}}} is not a question before this row")
        return code

    def literal(self) -> str | int | float:
        token = self.peek()
        if token is None:
            raise RelevantError("expected a value, found the end")
        if token[0] == "string":
            self.position += 1
            return token[1][1:-1]
        if token[0] == "number":
            self.position += 1
            return float(token[1]) if "." in token[1] else int(token[1])
        raise RelevantError(f"expected a value, found {token[1]}")


def locate(parsed: Parsed, loc: tuple[int | str, ...], message: str) -> XlsFormError:
    """Where in the spreadsheet a problem found in the definition comes from: the row of the
    question (or group) at ``loc`` (a pydantic location such as ``sections, 0, questions, 2,
    choices``)."""
    parts = list(loc)
    if len(parts) >= 4 and parts[0] == "sections" and parts[2] == "questions":
        row = parsed.question_rows.get((int(parts[1]), int(parts[3])))
        detail = ".".join(str(p) for p in parts[4:])
        return XlsFormError("survey", row, None, f"{detail}: {message}" if detail else message)
    if len(parts) >= 2 and parts[0] == "sections":
        return XlsFormError("survey", parsed.section_rows.get(int(parts[1])), None, message)
    return XlsFormError("survey", None, None, message)
