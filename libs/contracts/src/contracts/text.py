"""Text people type, checked where it comes in.

A title, a name or a label is one line: a control character or a line separator in it (LF,
CR, VT, FF, NEL, U+2028...) has no meaning for its readers and breaks the formats it is
written into (an iCalendar property ends at a line break; RSS and Atom cannot hold most
control characters at all). Longer text keeps its line breaks and tabs but no other control
character (NUL, which PostgreSQL refuses, ESC...). Input models type their fields with
:data:`ONE_LINE` or :data:`TEXT`, so a bad value is a 422 naming its field; every writer
still escapes what it writes, for what was stored before or came from elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

#: What a single line never holds: C0 and C1 controls, DEL and the Unicode line separators.
SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: What any text never holds: controls other than tab, line feed and carriage return.
TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same sets as JSON Schema patterns (ECMA-262), for the OpenAPI document and its fuzzers.
_SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
_TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def _describe(character: str) -> str:
    name = unicodedata.name(character, "") or {
        "\n": "LINE FEED",
        "\r": "CARRIAGE RETURN",
        "\t": "TAB",
        "\x00": "NUL",
        "\x0b": "LINE TABULATION",
        "\x0c": "FORM FEED",
        "\x1b": "ESCAPE",
        "\x85": "NEXT LINE",
    }.get(character, "control character")
    return f"U+{ord(character):04X} {name}".rstrip()


def check_single_line(value: str) -> str:
    """``value`` if it is one line without control characters, else ``ValueError``."""
    found = SINGLE_LINE_FORBIDDEN.search(value)
    if found:
        raise ValueError(
            f"must be a single line without control characters (found {_describe(found[0])})"
        )
    return value


def check_text(value: str) -> str:
    """``value`` if it holds no control character but tab and line breaks, else ``ValueError``."""
    found = TEXT_FORBIDDEN.search(value)
    if found:
        raise ValueError(f"must hold no control character (found {_describe(found[0])})")
    return value


def single_line(value: str) -> str:
    """``value`` made one line for a writer: line breaks become spaces, controls go.

    For text that did not come through :data:`SingleLine` (stored before the check, or from
    an outside source)."""
    value = re.sub("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]", " ", value)
    return SINGLE_LINE_FORBIDDEN.sub("", value)


def without_controls(value: str) -> str:
    """``value`` without the control characters :data:`MultiLine` refuses."""
    return TEXT_FORBIDDEN.sub("", value)


@dataclass(frozen=True)
class TextCheck:
    """Pydantic metadata: run ``check`` on the string once its own constraints passed, and
    say in the JSON schema which characters are refused. Put it after the length
    constraints, ``Annotated[str, Field(max_length=300), ONE_LINE]``, so they keep their
    own messages."""

    check: Callable[[str], str]
    json_pattern: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.json_pattern
        return json_schema


#: A title, a name, a label: one line, no control character.
ONE_LINE = TextCheck(check_single_line, _SINGLE_LINE_PATTERN)
#: Longer text: line breaks and tabs, no other control character.
TEXT = TextCheck(check_text, _TEXT_PATTERN)
SingleLine = Annotated[str, ONE_LINE]
MultiLine = Annotated[str, TEXT]
