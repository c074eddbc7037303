"""Cells that spreadsheet programs open as data, never as formulas.

A CSV or XLSX export writes text people typed (names, e-mails, descriptions). A cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break is run as a formula by
Excel and LibreOffice (CSV injection: ``=HYPERLINK(...)`` sends the sheet's data away on a
click). Every service writing such a file passes each text cell through ``neutralise``, the
one place where what counts as formula-like is decided.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO, Any

# Full-width signs too: some spreadsheet programs read them as their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """The value, prefixed with ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class UnreadableWorkbook(ValueError):
    """An uploaded XLSX that cannot or must not be read; the message says why."""


def xlsx_sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet of an uploaded XLSX, by name, as rows of cell values.

    A workbook's XML never needs a document type declaration: one that has it (the door to
    entity expansion and external entities) is refused outright, and the XML is read with
    ``defusedxml``, which openpyxl uses whenever it is installed (checked here, not assumed).
    Any failure, while opening or while reading rows, is an :class:`UnreadableWorkbook`.
    """
    import openpyxl  # noqa: PLC0415 - heavy; only XLSX uploads need it
    from defusedxml import DefusedXmlException  # noqa: PLC0415
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency of kit
        raise RuntimeError("openpyxl must read XML through defusedxml (OPENPYXL_DEFUSEDXML)")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.infolist():
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as xml:
                        if _declares_dtd(xml):
                            raise UnreadableWorkbook(
                                f"{member.filename} declares a document type (DTD): refused"
                            )
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return {
                sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
                for sheet in workbook.worksheets
            }
        finally:
            workbook.close()
    except UnreadableWorkbook:
        raise
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        DefusedXmlException,
        SyntaxError,  # ElementTree's ParseError
        KeyError,
        OSError,
        ValueError,
        TypeError,
        EOFError,
    ) as exc:
        raise UnreadableWorkbook(f"not a readable XLSX workbook: {exc}") from exc


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _declares_dtd(xml: IO[bytes]) -> bool:
    """Whether an XML part has a DOCTYPE, read only up to its root element (where a DTD
    would have to be), so a huge part is not inflated whole."""
    head = b""
    while chunk := xml.read(65536):
        head += chunk
        root = _ROOT_ELEMENT.search(head)
        if b"<!DOCTYPE" in (head if root is None else head[: root.start()]).upper():
            return True
        if root is not None:
            return False
    return False
