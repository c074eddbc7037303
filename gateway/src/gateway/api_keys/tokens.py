"""What an API key looks like, and how it is kept.

``mlg_live_`` followed by 43 URL-safe base64 characters (32 random bytes): the prefix lets
people and secret scanners recognise a Maillage key at a glance. Only the SHA-256 of the key
is stored. A fast unsalted hash is enough here (and is what GitHub and Stripe do): with 256
bits of entropy a stolen table cannot be brute-forced or looked up in precomputed tables,
whereas slow password hashes (bcrypt, argon2) exist to protect low-entropy human passwords,
and would cost tens of milliseconds on every call.
"""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_PREFIX = "mlg_live_"
_SECRET_BYTES = 32
_KEY_PATTERN = re.compile(r"^mlg_live_[A-Za-z0-9_-]{43}$")
#: Characters of the key kept in clear to tell keys apart (the prefix and 4 more).
HINT_LENGTH = len(KEY_PREFIX) + 4


def new_key() -> str:
    """A fresh API key (shown to its owner once, never stored)."""
    return KEY_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def new_key_id() -> str:
    """A short public identifier for a key, safe to log (``key_`` + 12 characters)."""
    return "key_" + secrets.token_urlsafe(9)


def looks_like_a_key(key: str) -> bool:
    """True when ``key`` has the shape of a key this gateway issues (no database needed)."""
    return _KEY_PATTERN.match(key) is not None


def hash_key(key: str) -> str:
    """The SHA-256 of ``key`` in hex: what the database keeps and looks keys up by."""
    return hashlib.sha256(key.encode()).hexdigest()


def hint_of(key: str) -> str:
    return key[:HINT_LENGTH]
