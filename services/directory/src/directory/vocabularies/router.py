"""``GET /v1/vocabularies``: every code the API uses, with its French and English labels."""

from __future__ import annotations

from fastapi import APIRouter, Response

from directory.vocabularies.schemas import Term
from directory.vocabularies.service import vocabulary_service

router = APIRouter(prefix="/v1/vocabularies", tags=["vocabularies"])


@router.get("", summary="Every vocabulary with fr/en labels")
async def list_vocabularies(response: Response) -> dict[str, list[Term]]:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return vocabulary_service.all()
