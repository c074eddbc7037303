"""What can go wrong with imports."""

from __future__ import annotations

from kit.problems import Conflict, InvalidInput, NotFound


class ImportNotFound(NotFound):
    slug, title = "import-not-found", "Import not found"


class ImportAlreadyWritten(Conflict):
    slug, title = "import-already-written", "This import already wrote its rows"


class UnreadableImport(InvalidInput):
    slug, title = "unreadable-file", "The file cannot be read"
