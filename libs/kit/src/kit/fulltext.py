"""French full-text terms computed once in Python, so SQLite and PostgreSQL find the same rows.

Text is folded (accents and case removed, see :func:`kit.normalize.fold`) and stemmed with the
Snowball French stemmer — the algorithm PostgreSQL's ``french_stem`` uses. A service stores
the stems of its records (an FTS5 table on SQLite, a generated ``tsvector`` with a GIN index on
PostgreSQL) and matches the stems of a query as prefixes: ``musee`` finds ``Muséum``,
``echosciences`` finds ``ÉchoSciences``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from kit.normalize import fold

_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("french")
#: A query looks for at most this many distinct stems (longer ones are cut).
MAX_QUERY_TERMS = 12


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str | None) -> list[str]:
    """Folded, stemmed words of ``text`` (apostrophes and hyphens split words)."""
    if not text:
        return []
    return [_stem(word) for word in _WORD.findall(fold(text))]


def query_terms(q: str) -> list[str]:
    """The distinct stems a search for ``q`` looks for, each to be matched as a prefix."""
    return list(dict.fromkeys(terms(q)))[:MAX_QUERY_TERMS]


def tsquery_text(stems: list[str]) -> str:
    """A PostgreSQL ``to_tsquery('simple', ...)`` argument matching every stem as a prefix."""
    return " & ".join(f"{stem}:*" for stem in stems)


def fts5_match(stems: list[str]) -> str:
    """An SQLite FTS5 ``MATCH`` expression matching every stem as a prefix."""
    return " AND ".join(f'"{stem}"*' for stem in stems)
