"""docker-compose.yml is valid Compose and names only things this repository has.

No Docker engine runs here or in CI, so the file is checked instead of run: against the
Compose Specification JSON schema (vendored in deploy/compose-spec.json, see its $comment),
and against the repository (build contexts, Dockerfile, bind-mounted files, console scripts,
databases created by the PostgreSQL init script, dependency conditions, health checks).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICE_COMMANDS = {
    "maillage-directory",
    "maillage-events",
    "maillage-surveys",
    "maillage-eu-watch",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def console_scripts() -> dict[str, str]:
    """Every ``[project.scripts]`` entry of the workspace's packages."""
    scripts: dict[str, str] = {}
    for pyproject in ROOT.glob("**/pyproject.toml"):
        if any(part in {".venv", ".tools", "var"} for part in pyproject.parts):
            continue
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        scripts.update(project.get("scripts", {}))
    return scripts


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads((ROOT / "deploy" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_rejects_what_compose_would_reject(compose: dict[str, Any]) -> None:
    """The vendored schema has teeth: a misspelt key or a wrong condition fails."""
    schema = json.loads((ROOT / "deploy" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["depends_on"]["directory"]["condition"] = "service_ready"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["healthchek"] = broken["services"]["gateway"].pop("healthcheck")
    assert not validator.is_valid(broken)


def test_builds_use_the_repository_dockerfile(services: dict[str, dict[str, Any]]) -> None:
    built = {name: s["build"] for name, s in services.items() if "build" in s}
    assert built, "no service is built from this repository"
    for name, build in built.items():
        context = ROOT / build["context"]
        assert context.is_dir(), name
        assert (context / build["dockerfile"]).is_file(), name


def test_the_dockerfile_copies_existing_paths_and_runs_as_a_user() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    assert "uv sync --locked --no-dev" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.MULTILINE):
        *sources, _destination = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def subcommands_of(programs: set[str]) -> dict[str, set[str]]:
    """Program → the subcommands its ``--help`` lists (``{migrate,serve,...}``), each program
    asked once and all of them at once: each run imports a whole service (seconds of CPU)."""
    running = {
        program: subprocess.Popen(
            [str(Path(sys.executable).parent / program), "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},  # the choices on one line
        )
        for program in sorted(programs)
    }
    listed: dict[str, set[str]] = {}
    for program, process in running.items():
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0, f"{program} --help failed: {out}"
        choices = re.search(r"\{([a-z,-]+)\}", out)
        assert choices, f"{program} --help lists no subcommand: {out}"
        listed[program] = set(choices.group(1).split(","))
    return listed


def test_commands_are_declared_console_scripts(services: dict[str, dict[str, Any]]) -> None:
    scripts = console_scripts()
    ours = {n: s["command"] for n, s in services.items() if "build" in s}
    for name, command in ours.items():
        assert command[0] in scripts, f"{name}: {command[0]} is not a console script"
    assert {c[0] for c in ours.values()} == {*SERVICE_COMMANDS, "maillage-gateway"}
    # The subcommand exists: the program's argument parser offers it.
    listed = subcommands_of({command[0] for command in ours.values()})
    for name, command in ours.items():
        assert command[1] in listed[command[0]], f"{name}: {command[0]} {command[1]} is refused"


def test_bind_mounts_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} missing"


def test_each_service_migrates_first_and_waits_for_healthy_dependencies(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        command = service.get("command", [])
        ours = command[:1] and command[0] in SERVICE_COMMANDS | {"maillage-gateway"}
        if ours and command[1] == "serve":
            migrate = f"{name}-migrate"
            assert services[migrate]["command"] == [command[0], "migrate"]
            assert services[migrate]["restart"] == "no"
            condition = service["depends_on"][migrate]["condition"]
            assert condition == "service_completed_successfully", name
        if command[:1] and command[0] in SERVICE_COMMANDS and command[1] == "serve":
            assert service["depends_on"]["nats"]["condition"] == "service_healthy"
            assert "healthcheck" in service, name
            assert f":{command[-1]}/readyz" in " ".join(service["healthcheck"]["test"])
    gateway = services["gateway"]
    served = {n for n, s in services.items() if s.get("command", [""])[-2:-1] == ["--port"]}
    services_depended_on = {
        n for n, d in gateway["depends_on"].items() if d["condition"] == "service_healthy"
    }
    assert services_depended_on == served - {"gateway"}
    for infrastructure in ("nats", "postgres"):
        assert "healthcheck" in services[infrastructure]


def test_each_service_has_its_own_database_created_by_the_init_script(
    services: dict[str, dict[str, Any]],
) -> None:
    init = (ROOT / "deploy" / "postgres" / "init-databases.sh").read_text()
    created = {
        f"maillage_{s}"
        for s in re.search(r"for service in ([\w ]+);", init).group(1).split()  # type: ignore[union-attr]
    }
    databases: dict[str, str] = {}
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if key.endswith("_DATABASE_URL"):
                database = str(value).rsplit("/", 1)[1]
                assert database in created, f"{name}: {database} is not created"
                databases.setdefault(key, database)
    # The four services and the gateway (API keys), each its own database.
    assert len(set(databases.values())) == len(databases) == 5


def test_nats_runs_jetstream_on_a_volume(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert "--jetstream" in nats["command"]
    store = nats["command"][nats["command"].index("--store_dir") + 1]
    assert any(
        v.split(":")[1] == store and v.split(":")[0] in compose["volumes"] for v in nats["volumes"]
    )
