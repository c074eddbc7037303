"""The theme tallies the theme facet sums: counts of each theme, three to a number (no I/O)."""

from __future__ import annotations

import random
from collections import Counter

from contracts.vocabularies import Theme
from eu_watch.calls.search import (
    TALLY_FIELD_BITS,
    THEME_BITS,
    THEME_TALLIES,
    THEMES_PER_TALLY,
    theme_bits,
    theme_tallies,
    themes_counted,
)


def test_every_theme_has_a_place_in_the_tallies() -> None:
    assert len(THEME_BITS) == len(Theme)
    assert max(THEME_BITS.values()).bit_length() <= THEMES_PER_TALLY * THEME_TALLIES
    # Three fields and a sign bit fit a 64-bit integer: a sum of tallies never overflows it.
    assert THEMES_PER_TALLY * TALLY_FIELD_BITS < 64


def test_summed_tallies_count_each_theme_apart() -> None:
    rng = random.Random(13)
    calls = [rng.sample(list(Theme), rng.randint(0, 6)) for _ in range(500)]
    sums = [0] * THEME_TALLIES
    for themes in calls:
        for k, tally in enumerate(theme_tallies(theme_bits(t.value for t in themes))):
            sums[k] += tally
    expected = Counter(t.value for themes in calls for t in themes)
    assert themes_counted(sums) == dict(expected)


def test_a_count_fills_its_field_without_touching_the_next_theme() -> None:
    # Astronomy and biology share the first tally: the largest count of the first field
    # leaves the second alone.
    most = (1 << TALLY_FIELD_BITS) - 1
    tally = theme_tallies(theme_bits([Theme.ASTRONOMY_SPACE.value]))[0]
    assert themes_counted([tally * most]) == {Theme.ASTRONOMY_SPACE.value: most}
    assert themes_counted([tally * most + theme_tallies(THEME_BITS[Theme.BIOLOGY])[0]]) == {
        Theme.ASTRONOMY_SPACE.value: most,
        Theme.BIOLOGY.value: 1,
    }
    assert themes_counted([0] * THEME_TALLIES) == {}
