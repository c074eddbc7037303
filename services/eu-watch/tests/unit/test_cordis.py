"""Reading the CORDIS dumps and matching their rows to actors (no database)."""

from __future__ import annotations

import csv
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from eu_watch.cordis.dump import CordisDump, UnreadableDump
from eu_watch.cordis.policies import (
    ActorIndex,
    KnownOrganisation,
    OrganisationRow,
    on_the_calls_topics,
    plain_name,
    plain_place,
    project_terms,
    topic_family,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "cordis"
CIEL, OCEANO, TWIN_A, TWIN_B = (uuid.uuid4() for _ in range(4))


def row(**fields: str | None) -> OrganisationRow:
    values: dict[str, str | None] = {
        "project_id": "1",
        "pic": None,
        "name": "X",
        "short_name": None,
        "city": None,
        "country": "FR",
        "role": "participant",
    }
    values.update(fields)
    return OrganisationRow(**values)  # type: ignore[arg-type]


def index() -> ActorIndex:
    return ActorIndex(
        [
            KnownOrganisation(CIEL, None, plain_name("A Ciel Ouvert"), plain_place("Fleurance")),
            KnownOrganisation(OCEANO, "999888777", plain_name("Océanopolis"), plain_place("Brest")),
            KnownOrganisation(TWIN_A, None, "les petits debrouillards", "toulouse"),
            KnownOrganisation(TWIN_B, None, "les petits debrouillards", "toulouse"),
        ]
    )


def test_names_and_cities_are_compared_as_plain_words_without_legal_forms() -> None:
    assert plain_name("ASSOCIATION A CIEL OUVERT") == plain_name("A Ciel Ouvert") == "a ciel ouvert"
    assert plain_place("SAINT-ETIENNE") == plain_place("Saint-Étienne") == "saint etienne"
    assert plain_place("  ") is None


def test_a_row_is_an_actor_by_its_pic_else_by_name_and_city_in_france() -> None:
    actors = index()
    by_pic = row(pic="999888777", name="OCEANOPOLIS SAEM", city="BREST")
    assert actors.actor_for(by_pic) == (OCEANO, "pic")
    named = row(name="ASSOCIATION A CIEL OUVERT", city="FLEURANCE")
    assert actors.actor_for(named) == (CIEL, "name_city")
    assert actors.actor_for(row(name="X", short_name="Ciel ouvert", city="Fleurance")) is None
    assert actors.actor_for(row(name="A CIEL OUVERT", city="TOULOUSE")) is None  # elsewhere
    abroad = row(name="A CIEL OUVERT", city="FLEURANCE", country="DE")
    assert actors.actor_for(abroad) is None
    # Two actors with the same name and city: neither is guessed.
    twins = row(name="LES PETITS DEBROUILLARDS", city="Toulouse")
    assert actors.actor_for(twins) is None


def test_a_project_is_on_a_calls_topics_by_its_family_or_the_calls_keywords() -> None:
    assert topic_family("HORIZON-CL2-2027-01-DEMOCRACY-05") == "HORIZON-CL2"
    assert topic_family("HORIZON-MISS-2021-OCEAN-02-03") == "HORIZON-MISS"
    assert topic_family("ERASMUS-EDU-2027-PI-ALL-INNO") == "ERASMUS-EDU"
    assert topic_family("101094210") is None
    terms = project_terms("Ocean literacy", "Citizen science with fishers.")
    ocean = [frozenset({"ocean"}), frozenset({"citizen", "scienc"})]
    assert on_the_calls_topics(
        call_identifier="HORIZON-CL2-2027-01-DEMOCRACY-05",
        call_terms=[],
        project_topics=["HORIZON-CL2-2021-TRANSFORMATIONS-01-08"],
        terms="",
    )
    assert on_the_calls_topics(
        call_identifier="REGION-OCC-2027", call_terms=ocean, project_topics=[], terms=terms
    )
    assert not on_the_calls_topics(
        call_identifier="HORIZON-CL4-2027-01",
        call_terms=[frozenset({"quantum"})],
        project_topics=["HORIZON-CL2-2021-TRANSFORMATIONS-01-08"],
        terms=terms,
    )


def test_the_dump_is_read_from_its_folder_or_its_zip(tmp_path: Path) -> None:
    archive = tmp_path / "cordis-HORIZONprojects-csv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("project.csv", "organization.csv"):
            zipped.write(FIXTURE / name, f"csv/{name}")
    for source in (FIXTURE, FIXTURE / "organization.csv", archive):
        dump = CordisDump(source)
        rows = list(dump.organisations())
        assert len(rows) == 7
        assert rows[0].pic == "999888777"
        assert rows[-1].name == 'LABO; RECHERCHE "QUANTIQUE"'  # quoted ; and "
        projects = {p.project_id: p for p in dump.projects({"101094210", "101070001"})}
        assert set(projects) == {"101094210", "101070001"}
        assert projects["101094210"].topics == ("HORIZON-MISS-2021-OCEAN-02-03",)
        assert projects["101094210"].start_date is not None


def test_what_is_not_a_dump_is_said(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDump, match="no such file"):
        CordisDump(tmp_path / "missing.zip")
    (tmp_path / "project.csv").write_text("id;acronym\n1;X\n", encoding="utf-8")
    with pytest.raises(UnreadableDump, match=r"no organization\.csv"):
        CordisDump(tmp_path)
    (tmp_path / "organization.csv").write_text("projectID;name\n1;X\n", encoding="utf-8")
    with pytest.raises(UnreadableDump, match="no column organisationID, city, country"):
        list(CordisDump(tmp_path).organisations())
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(UnreadableDump, match="neither a zip"):
        CordisDump(text)


def test_a_dump_that_is_not_utf8_or_not_csv_is_said_not_a_traceback(tmp_path: Path) -> None:
    """A Latin-1 file (an export opened and saved by a spreadsheet) crashed the command with
    a UnicodeDecodeError traceback."""
    (tmp_path / "project.csv").write_text("id;acronym\n1;X\n", encoding="utf-8")
    header = "projectID;organisationID;name;city;country\n"
    organisations = tmp_path / "organization.csv"
    organisations.write_bytes((header + "1;2;MUSÉUM;TOULOUSE;FR\n").encode("latin-1"))
    with pytest.raises(UnreadableDump, match=r"organization\.csv: not UTF-8; save it as UTF-8"):
        list(CordisDump(tmp_path).organisations())
    # A field longer than the csv module takes (131,072 characters by default).
    organisations.write_text(header + "1;2;" + "M" * 50 + ";TOULOUSE;FR\n", encoding="utf-8")
    with csv_field_limit(20), pytest.raises(UnreadableDump, match=r"organization\.csv: line 2: "):
        list(CordisDump(tmp_path).organisations())


@contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)
