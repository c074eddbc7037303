"""What the vocabularies API gives."""

from __future__ import annotations

from pydantic import BaseModel


class Label(BaseModel):
    fr: str
    en: str


class Term(BaseModel):
    code: str
    label: Label
