"""The merged OpenAPI document holds for the running platform: schemathesis fuzzes every
operation through the gateway with an admin key, and finds no server error, no status code
the document does not list, no answer outside its schema, and ``OPTIONS`` and ``405`` answers
that agree with ``Allow``.

Bounded (a fixed seed, a few examples per operation, a time budget) so it stays a few minutes
of the suite. Left out: operations that would break the run's own footing (disabling a
partner, rotating a secret); and the checks of which requests should be accepted or refused
(some rules span several fields, an end after a start, ``radius_km`` only with ``near``, and
no JSON schema can say them: a schema-valid request may rightly be a 422 naming the field).
It found, among others, the 500s of a mail id beyond BIGINT and of a call dated year 50.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from maillage_cli.stack import Stack

pytestmark = pytest.mark.e2e

SEED = 20261207
MAX_EXAMPLES = 4
TIME_BUDGET_SECONDS = 150
EXCLUDED_PATHS = r"/(disable|secret/rotate|rotate)$"
#: What the platform promises: no server error, only documented statuses, media types and
#: headers, answers within their schema, and OPTIONS / 405 answers that agree with Allow.
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "allow_header_conformance",
    )
)


async def test_the_platform_keeps_its_published_contract(stack: Stack, tmp_path: Path) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    process = await asyncio.create_subprocess_exec(
        str(schemathesis),
        "run",
        f"{stack.api_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {stack.admin_key}",
        "--checks",
        CHECKS,
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--no-shrink",
        "--workers",
        "1",
        "--max-time",
        str(TIME_BUDGET_SECONDS),
        "--request-timeout",
        "20",
        "--warnings",
        "off",
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    report = output.decode(errors="replace")
    assert process.returncode == 0, report[-20_000:]
    assert "No failures" in report or " passed" in report, report[-5_000:]
