"""Spreadsheet imports: formats, dry runs, reports, idempotence, limits."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import httpx
from openpyxl import Workbook, load_workbook

from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"


def french_csv(tag: str, *, separator: str = ";") -> str:
    rows = [
        [
            "Nom",
            "Sigle",
            "Type de structure",
            "Cercle",
            "Code INSEE",
            "Code postal",
            "Courriel",
            "Adhérent",
            "Identifiant",
        ],
        [
            f"Muséum {tag}",
            "MT",
            "Muséum d'histoire naturelle|Musée",
            "1",
            "31555",
            "31000",
            "contact@museum.fr",
            "oui",
            f"{tag}-1",
        ],
        [
            f"Médiathèque {tag}",
            "",
            "Bibliothèque, médiathèque",
            "3",
            "34172",
            "34000",
            "",
            "non",
            f"{tag}-2",
        ],
        [f"Sans cercle {tag}", "", "association", "quatre", "", "", "", "", f"{tag}-3"],
        [f"Mauvais courriel {tag}", "", "", "2", "", "", "pas-un-courriel", "", f"{tag}-4"],
    ]
    return "\n".join(separator.join(row) for row in rows) + "\n"


async def finished(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = (await client.get(f"/v1/imports/{job_id}")).json()
        return dict(job) if job["status"] in ("done", "failed") else None

    return await wait_until(done, within=30, what="import finished")


async def submit(client: httpx.AsyncClient, content: bytes, **params: Any) -> dict[str, Any]:
    response = await client.post("/v1/imports", content=content, params=params)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/imports/{response.json()['id']}"
    return await finished(client, response.json()["id"])


async def test_dry_run_reports_then_real_run_writes_then_rerun_changes_nothing(
    admin: httpx.AsyncClient,
) -> None:
    tag = "imp" + uuid.uuid4().hex[:6]
    content = french_csv(tag).encode()
    dry = await submit(admin, content, source="ocim")
    assert dry["dry_run"] is True
    assert (dry["total_rows"], dry["processed_rows"], dry["progress"]) == (4, 4, 1.0)
    assert (dry["created_count"], dry["updated_count"], dry["failed_count"]) == (2, 0, 2)
    assert {(e["line"], e["field"]) for e in dry["errors"]} == {(4, "circle"), (5, "email")}
    assert not (await admin.get(f"/v1/actors?q={tag}")).json()["items"]

    real = await admin.post(f"/v1/imports/{dry['id']}/run")
    assert real.status_code == 202
    report = await finished(admin, real.json()["id"])
    assert (report["created_count"], report["failed_count"]) == (2, 2)
    actors = (await admin.get(f"/v1/actors?q={tag}&sort=name")).json()["items"]
    assert [a["name"] for a in actors] == [f"Médiathèque {tag}", f"Muséum {tag}"]
    museum = actors[1]
    assert museum["types"] == ["natural_history_museum", "museum"]
    assert museum["address"]["region"] == "76"
    assert museum["membership"]["member"] is True
    assert museum["ext_ids"] == {"ocim": f"{tag}-1"}

    again = await submit(admin, content, source="ocim", dry_run="false")
    assert (again["created_count"], again["updated_count"]) == (0, 0)
    assert len((await admin.get(f"/v1/actors?q={tag}")).json()["items"]) == 2


async def test_rows_without_siret_or_id_are_matched_by_name_and_commune(
    admin: httpx.AsyncClient,
) -> None:
    tag = "nid" + uuid.uuid4().hex[:6]
    content = (
        "Nom;Code INSEE;Courriel\n"
        f"Fermat Science {tag};31555;contact@fermat.fr\n"
        f"A Ciel Ouvert {tag};32132;\n"
    ).encode()
    first = await submit(admin, content, source="adherents", dry_run="false")
    assert (first["created_count"], first["failed_count"]) == (2, 0)

    again = await submit(admin, content, source="adherents")
    assert (again["created_count"], again["updated_count"]) == (0, 2)
    assert {(m["line"], m["rule"]) for m in again["matches"]} == {
        (2, "name_and_commune"),
        (3, "name_and_commune"),
    }
    written = await submit(admin, content, source="adherents", dry_run="false")
    assert (written["created_count"], written["updated_count"]) == (0, 0)
    assert len((await admin.get(f"/v1/actors?q={tag}")).json()["items"]) == 2

    # Accents and case aside it is the same name; in another commune, another actor.
    moved = f"FERMAT SCIENCE {tag};34172;\nA Ciel Ouvert {tag};32132;\n".upper()
    other = await submit(admin, ("Nom;Code INSEE\n" + moved).encode(), source="adherents")
    assert (other["created_count"], other["updated_count"]) == (1, 1)


async def test_windows_1252_comma_csv_and_xlsx_are_read(admin: httpx.AsyncClient) -> None:
    tag = "enc" + uuid.uuid4().hex[:6]
    legacy = f"name,city,commune_insee\nÉcole de l'ADN {tag},Nîmes,30189\n".encode("cp1252")
    report = await submit(admin, legacy, dry_run="false", source="legacy")
    assert (report["created_count"], report["failed_count"]) == (1, 0)
    found = (await admin.get(f"/v1/actors?q={tag}")).json()["items"]
    assert found[0]["name"] == f"École de l'ADN {tag}"

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom", "Code postal", "Latitude", "Longitude"])
    sheet.append([f"Planétarium {tag}", 9000, 42.96, 1.6])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = await submit(admin, buffer.getvalue(), dry_run="false", source="xlsx")
    assert (report["file_format"], report["created_count"]) == ("xlsx", 1)
    planetarium = (await admin.get(f"/v1/actors?q=planetarium {tag}")).json()["items"][0]
    assert planetarium["address"]["postcode"] == "09000"


async def test_duplicates_in_the_file_and_in_the_directory_are_reported(
    admin: httpx.AsyncClient,
) -> None:
    tag = "dup" + uuid.uuid4().hex[:6]
    existing = await admin.post(
        "/v1/actors",
        json={"name": f"Fermat Science {tag}", "address": {"commune_insee": "81004"}},
    )
    assert existing.status_code == 201
    csv = (
        "nom;code insee;siret\n"
        f"Fermat Sciences {tag};81004;\n"
        f"A {tag};;73282932000074\n"
        f"B {tag};;73282932000074\n"
    ).encode()
    report = await submit(admin, csv, source="dups")
    reasons = {
        (d["line"], d.get("actor_id"), d["reason"].split(" (")[0]) for d in report["duplicates"]
    }
    assert (2, existing.json()["id"], "similar name in the same commune") in reasons
    assert any(d["line"] == 4 and d.get("same_as_line") == 3 for d in report["duplicates"])


async def test_unreadable_files_are_clear_422s(admin: httpx.AsyncClient) -> None:
    for content, fragment in (
        (b"", "empty"),
        (b"colour;size\nred;big\n", "no name column"),
        (b"\x00\x01\x02binary", "binary"),
        (b"PK\x03\x04 not really a zip", "XLSX"),
    ):
        response = await admin.post("/v1/imports", content=content)
        assert response.status_code == 422, content
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["field"] == "file"
        assert fragment in response.json()["detail"]


def _xlsx_with_entity() -> bytes:
    """A workbook whose sheet declares a DTD with an entity (it was a 500)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom"])
    sheet.append(["Planétarium"])
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE worksheet [<!ENTITY big "ha">]>' + data
            target.writestr(item, data)
    return out.getvalue()


async def test_a_workbook_declaring_a_dtd_is_refused(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/v1/imports", content=_xlsx_with_entity())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "file"
    assert "DTD" in response.json()["detail"]


async def test_imports_take_bigger_bodies_than_other_routes(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    big = b"nom\n" + b"".join(f"Acteur {i} {'x' * 200}\n".encode() for i in range(6000))
    assert len(big) > 1_048_576
    accepted = await admin.post("/v1/imports", content=big, params={"source": "big"})
    assert accepted.status_code == 202
    too_big = await admin.post(
        "/v1/actors",
        content=b'{"name": "' + b"x" * 1_100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == PROBLEM
    assert (await anonymous.post("/v1/imports", content=b"nom\nA\n")).status_code == 401


async def test_exports_follow_filters_and_visibility(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tag = "exp" + uuid.uuid4().hex[:6]
    for name, extra in (
        (f'=HYPERLINK("http://evil") {tag}', {}),
        (
            f"Muséum {tag}",
            {
                "address": {"lat": 43.6, "lon": 1.44, "commune_insee": "31555"},
                "membership": {"member": True},
                "contacts": [
                    {
                        "name": "Jeanne Martin",
                        "email": "jm@museum.fr",
                        "role": "Médiatrice, sciences",
                    }
                ],
            },
        ),
    ):
        assert (await admin.post("/v1/actors", json={"name": name, **extra})).status_code == 201

    public_csv = await anonymous.get(f"/v1/actors/export?q={tag}&format=csv")
    assert public_csv.status_code == 200
    assert public_csv.headers["content-type"].startswith("text/csv")
    text = public_csv.content.decode("utf-8-sig")
    header, *lines = text.strip().split("\r\n")
    assert "member" not in header.split(";")
    assert len(lines) == 2
    assert any(line.split(";")[1].startswith("\"'=HYPERLINK") for line in lines)
    staff_csv = (await admin.get(f"/v1/actors/export?q={tag}&format=csv")).content.decode(
        "utf-8-sig"
    )
    assert "member" in staff_csv.split("\r\n")[0].split(";")

    geo = (await anonymous.get(f"/v1/actors/export?q={tag}&format=geojson")).json()
    assert [f["properties"]["name"] for f in geo["features"]] == [f"Muséum {tag}"]
    assert geo["features"][0]["geometry"]["coordinates"] == [1.44, 43.6]

    assert (await anonymous.get(f"/v1/actors/export?q={tag}&format=vcf")).status_code == 403
    vcards = (await admin.get(f"/v1/actors/export?q={tag}&format=vcf")).text
    assert "FN:Jeanne Martin" in vcards
    assert "TITLE:Médiatrice\\, sciences" in vcards
    assert f"ORG:Muséum {tag}" in vcards
    # A card per actor too, contacts or not, each card with its own UID.
    assert vcards.count("BEGIN:VCARD") == 3
    assert vcards.count("KIND:org") == 2
    assert "GEO:geo:43.6,1.44" in vcards
    uids = [line for line in vcards.split("\r\n") if line.startswith("UID:")]
    assert len(set(uids)) == 3
    # A filter the export does not know is refused by name, not ignored.
    unknown = await admin.get(f"/v1/actors/export?q={tag}&format=csv&regoin=76")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.regoin"
    assert "`region`" in unknown.json()["errors"][0]["message"]

    xlsx = await admin.get(f"/v1/actors/export?q={tag}&format=xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.max_row == 3


async def test_a_browser_form_upload_is_read_as_the_file(admin: httpx.AsyncClient) -> None:
    tag = "frm" + uuid.uuid4().hex[:6]
    response = await admin.post(
        "/v1/imports",
        files={"file": ("adherents.csv", french_csv(tag).encode(), "text/csv")},
        params={"source": "ocim"},
    )
    assert response.status_code == 202, response.text
    job = await finished(admin, response.json()["id"])
    assert job["filename"] == "adherents.csv"
    assert (job["created_count"], job["failed_count"]) == (2, 2)

    no_file = await admin.post("/v1/imports", files={"other": ("x.csv", b"nom\nA\n")})
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "file"


async def test_headers_are_read_as_people_write_them(admin: httpx.AsyncClient) -> None:
    tag = "hdr" + uuid.uuid4().hex[:6]
    content = (
        "Nom de la structure;Code commune INSEE;N° SIRET;Adresse e-mail;Site internet;Tél.;"
        "Thématiquess\n"
        f"Cap Sciences {tag};33063;;contact@cap-sciences.net;https://www.cap-sciences.net;"
        "05 56 01 07 07;astronomie\n"
    ).encode()
    job = await submit(admin, content, source="hdr", dry_run="false")
    assert (job["created_count"], job["failed_count"]) == (1, 0), job["errors"]
    # An unknown column is reported with the closest known spelling.
    assert job["errors"] == [
        {
            "line": 1,
            "field": "Thématiquess",
            "message": "column not recognised, ignored; did you mean 'thematiques'?",
        }
    ]
    [actor] = (await admin.get(f"/v1/actors?q={tag}")).json()["items"]
    assert actor["address"]["commune_insee"] == "33063"
    assert actor["website"].startswith("https://www.cap-sciences.net")
    assert actor["email"] == "contact@cap-sciences.net"
    assert actor["phone"]
