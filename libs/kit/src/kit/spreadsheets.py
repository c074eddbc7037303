"""Cells that spreadsheet programs open as data, never as formulas.

A CSV or XLSX export writes text people typed (names, e-mails, descriptions). A cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break is run as a formula by
Excel and LibreOffice (CSV injection: ``=HYPERLINK(...)`` sends the sheet's data away on a
click). Every service writing such a file passes each text cell through ``neutralise``, the
one place where what counts as formula-like is decided.
"""

from __future__ import annotations

from typing import Any

# Full-width signs too: some spreadsheet programs read them as their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """The value, prefixed with ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
