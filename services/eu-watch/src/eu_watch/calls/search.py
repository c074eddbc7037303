"""Full text over calls in English and French.

Calls are mostly written in English and read by French teams: every word of a call is
indexed under its English and its French Snowball stem, and every word of a query matches
either stem as a prefix (``musée`` finds *museum* through ``muse``, ``citizens`` finds
*citizen science*, ``sciences participatives`` finds *sciences participatives*). Words the
two languages do not share go through a glossary (:mod:`eu_watch.calls.glossary`:
``patrimoine`` finds *heritage*, ``mer`` finds *sea*). The same stems feed FTS5 on SQLite and
a ``tsvector`` on PostgreSQL, so both find the same calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import snowballstemmer

from contracts.vocabularies import Theme
from eu_watch.calls.glossary import AMBIGUOUS_STEMS, FRENCH_TO_ENGLISH
from kit.fulltext import MAX_QUERY_TERMS
from kit.normalize import fold

_WORD = re.compile(r"[a-z0-9]+")
_ENGLISH = snowballstemmer.stemmer("english")
_FRENCH = snowballstemmer.stemmer("french")
#: Fields whose words are indexed (lists are joined).
INDEXED_FIELDS = (
    "identifier",
    "call_identifier",
    "title",
    "call_title",
    "funder",
    "programme",
    "programme_parts",
    "type_of_action",
    "keywords",
    "cross_cutting_priorities",
    "description",
)


@lru_cache(maxsize=65536)
def word_stems(word: str) -> tuple[str, ...]:
    """The distinct English and French stems of one folded word."""
    return tuple(dict.fromkeys((str(_ENGLISH.stemWord(word)), str(_FRENCH.stemWord(word)))))


def words(text: str | None) -> list[str]:
    return _WORD.findall(fold(text)) if text else []


def index_terms(call: Mapping[str, Any]) -> str:
    """The space-separated stems a call is found by."""
    texts: list[str] = []
    for field in INDEXED_FIELDS:
        value = call.get(field)
        if isinstance(value, list | tuple):
            texts.extend(str(v) for v in value)
        elif value:
            texts.append(str(value))
    stems = dict.fromkeys(stem for text in texts for w in words(text) for stem in word_stems(w))
    return " ".join(stems)


class QueryStem(NamedTuple):
    """A stem a query word matches: as a prefix (the word's own stems), or whole (the
    stems of its English words from the glossary)."""

    stem: str
    prefix: bool


#: The glossary by French stem, so that every form of a word finds its English words; and by
#: the word itself, for the words whose stem is an English word of its own (``logement`` →
#: ``log``, ``formation`` → ``format``) or that the stemmer leaves whole (``emplois``).
_TRANSLATIONS: dict[str, tuple[str, ...]] = {}
for _french, _english in FRENCH_TO_ENGLISH.items():
    for _key in {_french, _french + "s", str(_FRENCH.stemWord(_french))} - AMBIGUOUS_STEMS:
        _TRANSLATIONS[_key] = tuple(dict.fromkeys(_TRANSLATIONS.get(_key, ()) + _english))


@lru_cache(maxsize=65536)
def word_query(word: str) -> tuple[QueryStem, ...]:
    """What one folded query word matches: its stems as prefixes, and the stems of its
    English words (:mod:`eu_watch.calls.glossary`) whole."""
    own = word_stems(word)
    translations = _TRANSLATIONS.get(word) or _TRANSLATIONS.get(str(_FRENCH.stemWord(word)), ())
    english = (
        stem
        for translation in translations
        for w in words(translation)
        # English words: their English stem alone (the French stem of "sea" is "se", a
        # French word of its own).
        for stem in (str(_ENGLISH.stemWord(w)),)
    )
    found = [QueryStem(s, prefix=True) for s in own]
    found += [QueryStem(s, prefix=False) for s in dict.fromkeys(english) if s not in own]
    return tuple(found)


def query_groups(q: str) -> list[tuple[QueryStem, ...]]:
    """Per word of the query, the stems any of which it matches (at most a dozen words)."""
    return list(dict.fromkeys(word_query(w) for w in words(q)))[:MAX_QUERY_TERMS]


def fts5_match(groups: list[tuple[QueryStem, ...]]) -> str:
    """An FTS5 ``MATCH`` expression: every word, by any of its stems."""
    return " AND ".join(
        "(" + " OR ".join(f'"{s.stem}"' + ("*" if s.prefix else "") for s in group) + ")"
        for group in groups
    )


def tsquery_text(groups: list[tuple[QueryStem, ...]]) -> str:
    """A ``to_tsquery('simple', …)`` argument: every word, by any of its stems."""
    return " & ".join(
        "(" + " | ".join(s.stem + (":*" if s.prefix else "") for s in group) + ")"
        for group in groups
    )


#: The bit of each network theme in ``call_search.theme_bits`` (the theme filter and facet
#: read them). Stored: a theme keeps its bit forever; a new theme takes the next one.
THEME_BITS: dict[Theme, int] = {
    Theme.ASTRONOMY_SPACE: 1 << 0,
    Theme.BIOLOGY: 1 << 1,
    Theme.CHEMISTRY: 1 << 2,
    Theme.PHYSICS: 1 << 3,
    Theme.MATHEMATICS: 1 << 4,
    Theme.DIGITAL: 1 << 5,
    Theme.ENVIRONMENT: 1 << 6,
    Theme.HEALTH: 1 << 7,
    Theme.EARTH_SCIENCES: 1 << 8,
    Theme.ENGINEERING_TECHNOLOGY: 1 << 9,
    Theme.INDUSTRY: 1 << 10,
    Theme.HUMAN_SOCIAL_SCIENCES: 1 << 11,
    Theme.HERITAGE: 1 << 12,
    Theme.ENERGY: 1 << 13,
    Theme.AGRICULTURE_FOOD: 1 << 14,
    Theme.SEA_COAST: 1 << 15,
    Theme.CRITICAL_THINKING: 1 << 16,
    Theme.SCIENCE_SOCIETY: 1 << 17,
}


_BITS_BY_NAME = {theme.value: bit for theme, bit in THEME_BITS.items()}


def theme_bits(themes: Iterable[str]) -> int:
    """The bits of ``themes`` (values of :class:`Theme`), or-ed."""
    bits = 0
    for theme in themes:
        bits |= _BITS_BY_NAME.get(theme, 0)
    return bits


#: The theme facet adds up tallies instead of reading bits: each call carries
#: ``THEME_TALLIES`` numbers, the themes of bits 3k, 3k+1 and 3k+2 in tally k as 1 at bits 0,
#: 21 and 42, so that one ``sum()`` of a tally column counts three themes at once. Eighteen
#: sums per call, one per theme's bit, cost more (grouping the 4,717 calls of ``ocean``: 58 M
#: instructions on SQLite against 48 M, 8 ms on PostgreSQL against 5), and grouping by the
#: themes' bits made a thousand groups of four calls.
#: A theme's count stays exact while it is under 2**21 (two million calls); three fields fill
#: 63 bits, so a sum stays a positive 64-bit integer. A 19th theme needs a 7th tally column.
THEMES_PER_TALLY = 3
TALLY_FIELD_BITS = 21
THEME_TALLIES = 6
_FIELD_MASK = (1 << TALLY_FIELD_BITS) - 1
_THEMES_BY_BIT = {bit.bit_length() - 1: theme.value for theme, bit in THEME_BITS.items()}


def theme_tallies(bits: int) -> tuple[int, ...]:
    """The ``THEME_TALLIES`` tallies of a call whose themes are ``bits``."""
    return tuple(
        sum(
            ((bits >> (THEMES_PER_TALLY * k + j)) & 1) << (TALLY_FIELD_BITS * j)
            for j in range(THEMES_PER_TALLY)
        )
        for k in range(THEME_TALLIES)
    )


def themes_counted(sums: Iterable[int]) -> dict[str, int]:
    """Theme → count, from the sums of the tally columns over some calls (themes none of
    them has are left out)."""
    counted: dict[str, int] = {}
    for k, total in enumerate(sums):
        for j in range(THEMES_PER_TALLY):
            count = (int(total) >> (TALLY_FIELD_BITS * j)) & _FIELD_MASK
            if count:
                counted[_THEMES_BY_BIT[THEMES_PER_TALLY * k + j]] = count
    return counted
