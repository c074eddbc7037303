"""``maillage-eu-watch cordis-import`` on the fixture dump (the public CORDIS format), on both
backends: actors are recognised by the PIC of their ``ext_ids`` or by name and city, and
matches and partner suggestions say "took part in N EU projects on these topics"."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from eu_watch.__main__ import cordis_import
from eu_watch.config import Settings
from eu_watch.cordis.models import CordisParticipation
from kit.service import Runtime

from .conftest import KnownActors

FIXTURE = Path(__file__).parents[1] / "fixtures" / "cordis"


def tagged_dump(folder: Path, tag: str, pic: str) -> Path:
    """The fixture with this test's own names and PIC: both backends' apps hear every actor
    announced on the shared NATS, and two actors of one name in one city match no row."""
    for name in ("project.csv", "organization.csv"):
        text = (FIXTURE / name).read_text(encoding="utf-8")
        text = text.replace("A CIEL OUVERT", f"A CIEL OUVERT {tag}").replace("999888777", pic)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def member(name: str, city: str, region: str, department: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "types": ["association", "science_centre"],
        "themes": ["sea_coast"],
        # Circle 3: out of the default matches other tests compare with the policy's rank().
        "circle": 3,
        "address": {"city": city, "region": region, "department": department},
        "membership": {"member": True, "since": "2020-01-01", "paid_until": None},
    } | extra


async def test_participations_are_matched_and_shown_among_the_reasons(
    admin: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    known_actors: KnownActors,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    pic = str(uuid.uuid4().int)[:9]
    dump = tagged_dump(tmp_path, tag, pic)
    ciel, oceano, elsewhere = await known_actors(
        member(f"A Ciel Ouvert {tag}", "Fleurance", "76", "32"),
        member("Océanopolis Brest", "Brest", "53", "29", ext_ids={"pic": pic}),
        # Same name, another city: not the CORDIS row's organisation.
        member(f"A Ciel Ouvert {tag}", "Auch", "76", "32"),
    )
    assert await cordis_import(settings, dump) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["participants"] == 7
    assert (report["by_pic"], report["by_name_and_city"]) == (1, 3)
    async with runtime.database.transaction(write=False) as session:
        rows = (
            await session.scalars(
                sa.select(CordisParticipation).where(
                    CordisParticipation.actor_id.in_([ciel, oceano, elsewhere])
                )
            )
        ).all()
    assert sorted((str(r.actor_id), r.acronym, r.matched_by) for r in rows) == sorted(
        [
            (str(ciel), "OCEANLIT", "name_city"),
            (str(ciel), "SCIENCE4ALL", "name_city"),
            (str(ciel), "QUBITS", "name_city"),
            (str(oceano), "OCEANLIT", "pic"),
        ]
    )
    # Imported again: the same rows, not twice.
    assert await cordis_import(settings, dump) == 0
    async with runtime.database.transaction(write=False) as session:
        count = await session.scalar(
            sa.select(sa.func.count()).where(CordisParticipation.actor_id.in_([ciel, oceano]))
        )
    assert count == 4

    call = (
        await admin.post(
            "/v1/calls",
            json={
                "identifier": f"HORIZON-MISS-2027-OCEAN-{uuid.uuid4().hex[:6]}",
                "title": "Ocean literacy",
                "type_of_action": "HORIZON Coordination and Support Actions",
                "keywords": ["Ocean", "Citizen science"],
                "deadlines": ["2099-04-01"],
            },
        )
    ).json()
    matches = (
        await admin.get(f"/v1/calls/{call['id']}/matches", params={"limit": 200, "circle": 3})
    ).json()["items"]
    by_id = {m["actor_id"]: m for m in matches}
    for actor in (ciel, oceano):
        found = by_id[str(actor)]
        eu = [r for r in found["reasons"] if r["kind"] == "eu_projects"]
        assert eu == [
            {
                "kind": "eu_projects",
                "points": 1,
                "count": 1,
                "projects": ["101094210"],
                "text": "Took part in 1 EU project on these topics (OCEANLIT).",
            }
        ]
        assert found["score"] == sum(r["points"] for r in found["reasons"])
    assert not [r for r in by_id[str(elsewhere)]["reasons"] if r["kind"] == "eu_projects"]
    partners = (
        await admin.get(f"/v1/calls/{call['id']}/partners", params={"lead": str(ciel)})
    ).json()
    assert "eu_projects" in [r["kind"] for r in partners["lead"]["reasons"]]
    # A member's calls say it too.
    mine = (
        await admin.get("/v1/calls", params={"for_actor": str(ciel), "q": "ocean literacy"})
    ).json()["items"]
    ocean = next(c for c in mine if c["id"] == call["id"])
    assert "eu_projects" in [r["kind"] for r in ocean["match"]["reasons"]]
    assert ocean["match"]["score"] == sum(r["points"] for r in ocean["match"]["reasons"])
    # The database is shared by the session's tests: test_matching_ranked compares the API
    # with the policy's rank() over every member, which knows nothing of CORDIS.
    async with runtime.database.transaction() as session:
        await session.execute(
            sa.delete(CordisParticipation).where(CordisParticipation.actor_id.in_([ciel, oceano]))
        )


async def test_a_file_that_is_not_a_dump_is_refused(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cordis_import(settings, tmp_path / "nothing.zip") == 1
    assert "no such file" in capsys.readouterr().err
