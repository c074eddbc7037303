"""``maillage surveys import`` and ``invite`` against the surveys API."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx

from maillage_cli import surveys as cli

from .conftest import KnownActors
from .test_imports import workbook


async def test_import_an_xlsform_then_invite_an_audience(
    admin: httpx.AsyncClient, known_actors: KnownActors, tmp_path: Path
) -> None:
    path = tmp_path / "acteurs.xlsx"
    path.write_bytes(workbook())
    out, err = io.StringIO(), io.StringIO()
    assert await cli.import_file(admin, path, out=out, err=err) == 0
    survey_id = out.getvalue().split()[1].rstrip(":")
    assert "(2 pages, 7 questions)" in out.getvalue()
    assert (await admin.post(f"/v1/surveys/{survey_id}/publish")).status_code == 200

    tag = uuid.uuid4().hex[:6]
    await known_actors(
        {"name": f"{tag} planétarium", "types": ["planetarium"], "email": f"{tag}@example.org"},
        {"name": f"{tag} planétarium sans adresse", "types": ["planetarium"]},
    )
    dry, progress = io.StringIO(), io.StringIO()
    code = await cli.invite(
        admin, survey_id, ["type=planetarium"], for_real=False, out=dry, err=err
    )
    assert code == 0
    assert "Dry run" in dry.getvalue()
    real = io.StringIO()
    code = await cli.invite(
        admin, survey_id, ["type=planetarium"], for_real=True, out=real, err=err, progress=progress
    )
    assert code == 0, err.getvalue()
    # The report once (it was printed twice before, the dry run's then the real run's).
    assert real.getvalue().count("matched ") == 1
    created = int(real.getvalue().rsplit("created ", 1)[1].split()[0])
    assert created >= 1
    # Then the bar follows the mailing until nothing is left to send (the sender polls
    # every half second), and says what became of the messages. Only invitations with an
    # address are mailed (created counts the one without, the bar does not).
    reachable = int(real.getvalue().split("reachable ", 1)[1].split(",")[0])
    assert 1 <= reachable < created
    assert progress.getvalue().rstrip().endswith(f"100% {reachable}/{reachable} messages")
    assert f"mailed {reachable}, failed 0, unsubscribed 0, still to send 0" in real.getvalue()
    assert await cli.invite(admin, survey_id, ["colour=red"], for_real=False, err=err) == 2


async def test_a_bad_workbook_prints_where(admin: httpx.AsyncClient, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a workbook")
    err = io.StringIO()
    assert await cli.import_file(admin, path, out=io.StringIO(), err=err) == 1
    assert "workbook" in err.getvalue()


async def test_a_missing_file_is_one_line_and_exit_2(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Before the fix: a FileNotFoundError traceback."""
    err = io.StringIO()
    assert await cli.import_file(admin, tmp_path / "nonexist.xlsx", err=err) == 2
    assert err.getvalue().count("\n") == 1
    assert "nonexist.xlsx" in err.getvalue()
    assert "Traceback" not in err.getvalue()


async def test_a_refusal_is_printed_once(admin: httpx.AsyncClient) -> None:
    """Before the fix the detail (the errors in one line) and then each error were printed."""
    err = io.StringIO()
    code = await cli.invite(admin, "not-a-survey-id", ["circle=3"], for_real=True, err=err)
    assert code == 1
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("refused (422): ")
    assert "survey_id" in lines[0]
    assert len(lines) == 1, lines
