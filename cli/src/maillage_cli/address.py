"""Which API the command line talks to, and how it says it could not.

``maillage run`` writes the address it serves on to ``var/api-url`` once the stack is ready
(and removes it when it stops), so ``maillage actors``, ``keys`` and ``seed`` reach the stack
that is running whatever port it took. ``MAILLAGE_API_URL`` (or ``--api-url``) wins, for a
stack elsewhere. Every connection failure and every 401 names the URL, and where it came
from, so a wrong address or key is obvious.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

API_URL_FILE = "api-url"
DEFAULT_API_URL = "http://127.0.0.1:8000"


def write_api_url(var_dir: Path, url: str) -> None:
    (var_dir / API_URL_FILE).write_text(url + "\n")


def clear_api_url(var_dir: Path) -> None:
    (var_dir / API_URL_FILE).unlink(missing_ok=True)


def resolve_api_url(given: str | None, var_dir: Path) -> tuple[str, str]:
    """The API's address and where it comes from: ``--api-url``, ``MAILLAGE_API_URL``,
    ``var/api-url`` (written by ``maillage run``), else the default."""
    if given:
        return given.rstrip("/"), "--api-url"
    from_env = os.environ.get("MAILLAGE_API_URL")
    if from_env:
        return from_env.rstrip("/"), "MAILLAGE_API_URL"
    path = var_dir / API_URL_FILE
    if path.exists():
        written = path.read_text().strip()
        if written:
            return written.rstrip("/"), str(path)
    return DEFAULT_API_URL, "the default"


def unreachable(command: str, url: str, origin: str, exc: httpx.HTTPError) -> str:
    reason = str(exc) or type(exc).__name__
    return (
        f"{command}: cannot reach the API at {url} (address from {origin}): {reason}. "
        "Is `make run` running? Otherwise set MAILLAGE_API_URL or pass --api-url."
    )


def refused_key(command: str, url: str, response: httpx.Response) -> str | None:
    """The message for a 401/403 answer, or None for any other status."""
    if response.status_code not in (401, 403):
        return None
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        detail = response.text[:200]
    return (
        f"{command}: the API at {url} refused the key ({response.status_code}: {detail}). "
        "The admin key comes from --key, MAILLAGE_ADMIN_KEY or var/admin-key of the running "
        "stack."
    )


def api_base(response: httpx.Response) -> str:
    """The API address a response came from (scheme, host and port)."""
    return str(response.request.url.copy_with(path="/", query=None)).rstrip("/")
