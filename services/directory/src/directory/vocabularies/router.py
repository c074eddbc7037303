"""``GET /v1/vocabularies``: every code the API uses, with its French and English labels."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from contracts.labels import VOCABULARIES

router = APIRouter(prefix="/v1/vocabularies", tags=["vocabularies"])


class Label(BaseModel):
    fr: str
    en: str


class Term(BaseModel):
    code: str
    label: Label


_ALL = {
    name: [Term(code=code, label=Label(fr=fr, en=en)) for code, (fr, en) in labels.items()]
    for name, labels in VOCABULARIES.items()
}


@router.get("", summary="Every vocabulary with fr/en labels")
async def list_vocabularies(response: Response) -> dict[str, list[Term]]:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return _ALL
