"""Which network themes a call has, and the call's terms that give them (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from kit.normalize import fold

#: Where the mapping's term lists are looked for in a call.
FIELDS = {
    "keywords": ("keywords",),
    "priorities": ("cross_cutting_priorities",),
    "programme_parts": ("programme_parts", "programme"),
}


@lru_cache(maxsize=4096)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """A whole-word match of any of ``terms`` (folded), a final s or es allowed."""
    if not terms:
        return None
    alternatives = "|".join(re.escape(fold(term)) for term in terms)
    return re.compile(r"(?<![a-z0-9])(?:" + alternatives + r")(?:e?s)?(?![a-z0-9])")


def _values(call: Mapping[str, object], field: str) -> list[str]:
    value = call.get(field)
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return []


def classify(
    call: Mapping[str, object], mapping: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``[{theme, terms}]``: each theme whose mapping meets the call's keywords, priorities
    or programme parts, with the call's own terms that did (in theme order)."""
    folded = {
        field: [(term, fold(term)) for term in _values(call, field)]
        for fields in FIELDS.values()
        for field in fields
    }
    themes: list[dict[str, Any]] = []
    for theme, lists in mapping.items():
        found: dict[str, None] = {}
        for kind, fields in FIELDS.items():
            pattern = _pattern(tuple(lists.get(kind) or ()))
            if pattern is None:
                continue
            for field in fields:
                for call_term, folded_term in folded[field]:
                    if pattern.search(folded_term):
                        found[call_term] = None
        if found:
            themes.append({"theme": theme, "terms": list(found)})
    return themes
