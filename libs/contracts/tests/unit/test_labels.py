"""Every vocabulary code has a French and an English label, and no label names a stray code."""

from __future__ import annotations

from enum import StrEnum

import pytest

from contracts import labels, vocabularies

PAIRS: list[tuple[type[StrEnum], labels.Labels]] = [
    (vocabularies.Club, labels.CLUB),
    (vocabularies.ActorType, labels.ACTOR_TYPE),
    (vocabularies.Theme, labels.THEME),
    (vocabularies.Audience, labels.AUDIENCE),
    (vocabularies.ActorKind, labels.ACTOR_KIND),
    (vocabularies.ActorStatus, labels.ACTOR_STATUS),
    (vocabularies.EventKind, labels.EVENT_KIND),
]


@pytest.mark.parametrize(("enum", "table"), PAIRS)
def test_labels_cover_exactly_the_codes(enum: type[StrEnum], table: labels.Labels) -> None:
    assert set(table) == {member.value for member in enum}
    assert all(fr and en for fr, en in table.values())


def test_circles() -> None:
    assert set(labels.CIRCLE) == {"1", "2", "3"}
