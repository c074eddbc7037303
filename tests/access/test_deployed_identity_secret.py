"""The deployments run outside development, so each needs an identity secret of its own:
compose asks for it (and no example value would pass), the image says it is production."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = re.compile(r"^\$\{MAILLAGE_IDENTITY_SECRET:\?[^}]+\}$")


def maillage_services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {
        name: service
        for name, service in compose["services"].items()
        if str(service.get("image", "")).startswith("maillage:")
    }


def test_every_maillage_process_in_compose_runs_as_production_with_a_required_secret() -> None:
    services = maillage_services()
    assert len(services) >= 7  # the migrate steps, four services, the gateway and workers
    for name, service in services.items():
        environment = service["environment"]
        assert environment["MAILLAGE_ENVIRONMENT"] == "production", name
        assert REQUIRED.match(environment["MAILLAGE_IDENTITY_SECRET"]), name


def test_every_gateway_process_in_compose_requires_the_secrets_key() -> None:
    """The key encrypting webhook and partner secrets is not in the database: compose asks
    for it (no default) wherever the gateway's database is opened."""
    gateway = {
        name: service
        for name, service in maillage_services().items()
        if "MAILLAGE_GATEWAY_DATABASE_URL" in service["environment"]
    }
    assert set(gateway) == {"gateway-migrate", "gateway", "gateway-worker"}
    for name, service in gateway.items():
        value = service["environment"]["MAILLAGE_GATEWAY_SECRETS_KEY"]
        assert re.match(r"^\$\{MAILLAGE_GATEWAY_SECRETS_KEY:\?[^}]+\}$", value), name


def test_the_image_runs_as_production_unless_told_otherwise() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^\s*MAILLAGE_ENVIRONMENT=production\b", dockerfile, re.MULTILINE)


def test_the_example_environment_ships_no_secret_to_copy() -> None:
    example = (ROOT / "deploy" / "maillage.env.example").read_text()
    values = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    assert "MAILLAGE_IDENTITY_SECRET" in values
    for name in (
        "POSTGRES_PASSWORD",
        "MAILLAGE_DB_PASSWORD",
        "MAILLAGE_IDENTITY_SECRET",
        "MAILLAGE_GATEWAY_SECRETS_KEY",
    ):
        assert values[name] == "", name  # compose's ${VAR:?} refuses it empty
    assert values["MAILLAGE_ADMIN_KEY"] == ""
