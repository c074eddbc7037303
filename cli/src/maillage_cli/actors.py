"""``maillage actors import|export``: the directory's spreadsheets from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import httpx

from maillage_cli.address import api_base, refused_key
from maillage_cli.progress import POLL_SECONDS, bar


class KeyRefused(Exception):
    """The API refused the key (401/403); the message names the API's address."""


def _check_key(command: str, response: httpx.Response) -> None:
    refused = refused_key(command, api_base(response), response)
    if refused:
        raise KeyRefused(refused)


def _report(job: dict[str, Any], out: IO[str]) -> None:
    verb = "would create" if job["dry_run"] else "created"
    changed = "would update" if job["dry_run"] else "updated"
    print(
        f"{job['status']}: {job['created_count']} {verb}, {job['updated_count']} {changed}, "
        f"{job['failed_count']} failed",
        file=out,
    )
    for error in job["errors"][:20]:
        print(f"  line {error['line']}: {error['field']}: {error['message']}", file=out)
    if len(job["errors"]) > 20:
        print(f"  … and {len(job['errors']) - 20} more (GET /v1/imports/{job['id']})", file=out)
    for duplicate in job["duplicates"][:10]:
        target = duplicate.get("actor_name") or f"line {duplicate.get('same_as_line')}"
        print(f"  line {duplicate['line']}: possible duplicate of {target}", file=out)
    if job["dry_run"]:
        print(
            "Dry run: nothing was written. To import: maillage actors import --for-real …",
            file=out,
        )


async def import_file(
    client: httpx.AsyncClient,
    path: Path,
    *,
    for_real: bool,
    source: str,
    out: IO[str] = sys.stdout,
    progress: IO[str] = sys.stderr,
) -> int:
    """Upload ``path``, follow the job with a progress bar, print its report.

    Returns 0 when every row went through, 2 when some failed, 1 when the file was refused.
    """
    content_type = (
        "text/csv"
        if path.suffix.lower() != ".xlsx"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    response = await client.post(
        "/v1/imports",
        content=await asyncio.to_thread(path.read_bytes),
        params={"dry_run": str(not for_real).lower(), "source": source, "filename": path.name},
        headers={"Content-Type": content_type},
    )
    _check_key("maillage actors import", response)
    if response.status_code != 202:
        problem = response.json() if "json" in response.headers.get("content-type", "") else {}
        print(f"refused ({response.status_code}): {problem.get('detail', response.text)}", file=out)
        return 1
    job = response.json()
    while job["status"] in ("queued", "running"):
        print("\r" + bar(job["processed_rows"], job["total_rows"], "rows"), end="", file=progress)
        await asyncio.sleep(POLL_SECONDS)
        job = (await client.get(f"/v1/imports/{job['id']}")).json()
    print("\r" + bar(job["processed_rows"], job["total_rows"], "rows"), file=progress)
    _report(job, out)
    return 2 if job["failed_count"] or job["status"] == "failed" else 0


async def export_actors(
    client: httpx.AsyncClient,
    *,
    file_format: str,
    filters: Sequence[str],
    output: IO[bytes],
) -> int:
    """Stream ``GET /v1/actors/export`` into ``output``; ``filters`` are ``key=value``."""
    params: list[tuple[str, str | int | float | bool | None]] = [("format", file_format)]
    for item in filters:
        key, _, value = item.partition("=")
        params.append((key, value))
    query = httpx.QueryParams(params)
    async with client.stream("GET", "/v1/actors/export", params=query) as response:
        _check_key("maillage actors export", response)
        if response.status_code != 200:
            body = await response.aread()
            print(f"refused ({response.status_code}): {body.decode()[:500]}", file=sys.stderr)
            return 1
        async for chunk in response.aiter_bytes():
            output.write(chunk)
    output.flush()
    return 0
