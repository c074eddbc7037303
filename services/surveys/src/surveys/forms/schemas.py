"""What the web form works with: one page (a section) of a questionnaire and its state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FormPage:
    """The section shown, where it stands among the shown sections, and what fills it."""

    section_index: int
    position: int
    pages: int
    has_previous: bool
    has_next: bool
    answers: dict[str, Any]
    visible: set[str]
    errors: dict[str, str] = field(default_factory=dict)
