"""``maillage surveys invite``'s filters read as the audience the API takes."""

from __future__ import annotations

import pytest

from maillage_cli.surveys import audience_of


def test_filters_become_the_audience() -> None:
    assert audience_of(["type=museum", "type=library", "region=76", "circle=1", "member=oui"]) == {
        "type": ["museum", "library"],
        "region": ["76"],
        "circle": [1],
        "member": True,
    }
    assert audience_of(["member=false"]) == {"member": False}
    assert audience_of(["member=Non"]) == {"member": False}


@pytest.mark.parametrize(
    ("item", "words"),
    [
        # A typo must not turn "members" into "non-members" before a run --for-real.
        ("member=ture", "member=ture: true or false"),
        ("member=maybe", "member=maybe: true or false"),
        ("circle=first", "circle=first: 1, 2 or 3"),
        ("colour=red", "unknown filter 'colour'"),
        ("region", "'region' is not key=value"),
    ],
)
def test_a_filter_it_cannot_read_is_refused(item: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        audience_of([item])
