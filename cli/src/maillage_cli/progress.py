"""The one progress bar of the command line (an import's rows, a mailing's messages)."""

from __future__ import annotations

#: How often a command asks the API how far a long piece of work has gone.
POLL_SECONDS = 0.5
BAR_WIDTH = 30


def bar(done: int, total: int, unit: str) -> str:
    """``[#####.....]  50% 5/10 rows``; nothing to do counts as done."""
    filled = BAR_WIDTH if not total else int(BAR_WIDTH * done / total)
    percent = 100 if not total else int(100 * done / total)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done}/{total} {unit}"
