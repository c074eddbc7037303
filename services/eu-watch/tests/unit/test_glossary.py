"""French query words and the English words they also find (no I/O)."""

from __future__ import annotations

from eu_watch.calls.search import QueryStem, word_query


def whole(word: str) -> set[str]:
    """The stems ``word`` finds whole: those of its English words."""
    return {q.stem for q in word_query(word) if not q.prefix}


def test_every_form_of_a_glossary_word_finds_its_english_words() -> None:
    assert whole("patrimoine") == {"heritag"}
    assert whole("citoyennes") == {"citizen"}
    assert whole("emplois") == {"employ", "job"}  # a plural the stemmer leaves whole
    assert whole("logements") == {"hous"}


def test_english_words_are_found_by_their_english_stem_only() -> None:
    # The French stem of "sea" is "se", a French word: "mer" must not find French calls by it.
    assert QueryStem("se", prefix=False) not in word_query("mer")
    assert whole("mer") == {"sea", "marin", "maritim", "ocean"}


def test_a_stem_that_is_an_english_word_finds_no_translation() -> None:
    # logement → log, formation → format: "log" and "format" are not housing nor training.
    for word in ("log", "logs", "format", "formats"):
        assert whole(word) == set(), word
    assert whole("formations") == {"train"}
