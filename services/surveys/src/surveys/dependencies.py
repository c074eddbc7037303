"""Route dependencies the surveys routers share: what the links they give and take are made
of. (Async, so that FastAPI calls them in the event loop, not through its thread pool.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def public_url(request: Request) -> str:
    """The gateway's public address, which every personal and public link starts with."""
    return str(request.app.state.settings.common.public_url)


async def link_secret(request: Request) -> str:
    """The secret a link's token is hashed under: an anonymous response is found by that
    HMAC (``responses.service.respondent_key``), never by the token itself."""
    return str(request.app.state.settings.common.identity_secret.get_secret_value())


PublicUrl = Annotated[str, Depends(public_url)]
LinkSecret = Annotated[str, Depends(link_secret)]
