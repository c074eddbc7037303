from __future__ import annotations

import pytest

from gateway.config import Settings
from gateway.cors import parse_origins


def test_admin_key_comes_from_the_unprefixed_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_ADMIN_KEY", "from-env")
    monkeypatch.setenv("MAILLAGE_GATEWAY_PORT", "9100")
    monkeypatch.setenv("MAILLAGE_GATEWAY_DIRECTORY_URL", "http://directory:8001")

    settings = Settings()

    assert settings.admin_key is not None
    assert settings.admin_key.get_secret_value() == "from-env"
    assert settings.port == 9100
    assert settings.service_urls()["directory"] == "http://directory:8001"


def test_defaults_run_everything_on_one_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILLAGE_ADMIN_KEY", raising=False)

    settings = Settings()

    assert settings.admin_key is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.service_urls() == {
        "directory": "http://127.0.0.1:8001",
        "events": "http://127.0.0.1:8002",
        "surveys": "http://127.0.0.1:8003",
        "eu-watch": "http://127.0.0.1:8004",
    }


def test_cors_origins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MAILLAGE_GATEWAY_CORS_ORIGINS", "https://app.example.org/, https://admin.example.org,"
    )

    assert parse_origins(Settings().cors_origins) == (
        "https://app.example.org",
        "https://admin.example.org",
    )
    assert parse_origins("") == ()
