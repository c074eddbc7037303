"""HTTP routes of /v1/imports: upload a spreadsheet, follow its progress, read its report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from directory.imports.schemas import ImportRead
from directory.imports.service import import_service
from kit.identity import StaffIdentity
from kit.problems import InvalidInput
from kit.service import DbSession

router = APIRouter(prefix="/v1/imports", tags=["imports"])

_SPREADSHEET_BODY = {
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
        # What a browser's <form enctype="multipart/form-data"> sends.
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
    "required": True,
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import actors from a CSV or XLSX file (staff); a dry run by default",
    description=(
        "Send the file itself as the request body, or as the `file` field of a "
        "`multipart/form-data` upload (a browser form). CSV in UTF-8 or Windows-1252, separated "
        "by `,` or `;`, or XLSX; French or English headers (`nom`/`name`, `code insee`...). "
        "Rows are matched to existing actors by `external_id` in `source`, then by SIRET, "
        "then (rows with neither) by name in the same commune; `matches` says which rule. "
        "Follow the job at `Location`."
    ),
    openapi_extra={"requestBody": _SPREADSHEET_BODY},
)
async def submit_import(
    request: Request,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    dry_run: bool = True,
    source: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_.-]{0,59}$")] = "import",
    filename: Annotated[str | None, Query(max_length=300)] = None,
) -> ImportRead:
    content, filename = await _uploaded(request, filename)
    job = await import_service.submit(
        session,
        content=content,
        filename=filename,
        source=source,
        dry_run=dry_run,
        identity=identity,
    )
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return import_service.to_read(job)


async def _uploaded(request: Request, filename: str | None) -> tuple[bytes, str | None]:
    """The file's bytes and name: the raw body, or the ``file`` field of a form upload."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await request.body(), filename
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("file", "send the spreadsheet as the form's `file` field")
        return await upload.read(), filename or upload.filename


@router.get("", summary="Recent imports (staff)")
async def list_imports(session: DbSession, identity: StaffIdentity) -> list[ImportRead]:
    return [
        import_service.to_read(job) for job in await import_service.list_recent(session, limit=50)
    ]


@router.get("/{import_id}", summary="Progress and report of an import (staff)")
async def get_import(
    import_id: uuid.UUID, session: DbSession, identity: StaffIdentity
) -> ImportRead:
    return import_service.to_read(await import_service.get(session, job_id=import_id))


@router.post(
    "/{import_id}/run",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a dry-run's file for real (staff)",
)
async def run_import_for_real(
    import_id: uuid.UUID, session: DbSession, identity: StaffIdentity, response: Response
) -> ImportRead:
    dry = await import_service.get(session, job_id=import_id)
    job = await import_service.rerun_for_real(session, job=dry, identity=identity)
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return import_service.to_read(job)
