"""Checks on French identifiers that a regular expression alone cannot make."""

from __future__ import annotations

import re

_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
_LA_POSTE_SIREN = "356000000"


def siret_is_valid(siret: str) -> bool:
    """A SIRET is 14 digits passing the Luhn checksum (La Poste's establishments excepted,
    whose digits must sum to a multiple of 5)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith(_LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(siret)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalize_phone(raw: str) -> str:
    """Return an E.164 number from French (``01 23 45 67 89``) or international input.

    Raises ``ValueError`` when the input is not a phone number.
    """
    compact = _PHONE_SEPARATORS.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        return "+33" + compact[1:]
    if re.fullmatch(r"\+33[1-9]\d{8}", compact):
        return compact
    if re.fullmatch(r"\+[1-9]\d{7,14}", compact):
        return compact
    raise ValueError("not a phone number (French 01 23 45 67 89 or international +…)")
