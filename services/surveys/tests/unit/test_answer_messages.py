"""The answer rules' catalogue: each message in French and English with the same values,
every key a rule names is in it, and a Message reads as its English text (the API's)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from surveys.responses import validation
from surveys.responses.messages import MESSAGES, Message, said


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_each_message_says_the_same_values_in_both_languages(key: str) -> None:
    fr, en = MESSAGES[key]
    assert _names(fr) == _names(en)
    assert fr != en


def test_every_key_the_rules_name_is_in_the_catalogue() -> None:
    source = Path(validation.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r'Message\("([a-z_]+)"', source))
    assert named
    assert named <= set(MESSAGES)


def test_a_message_is_its_english_text_and_says_numbers_per_language() -> None:
    message = Message("at_most", high=5.5)
    assert message == "at most 5.5"
    assert f"{message}" == "at most 5.5"
    assert said(message, "fr") == "au plus 5,5"
    assert said(message, "en") == "at most 5.5"
    assert said("a plain text", "fr") == "a plain text"
