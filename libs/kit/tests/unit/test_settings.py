"""Settings: one prefix per service, and the shared ``MAILLAGE_`` prefix for common values."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from kit.settings import DEV_IDENTITY_SECRET, CommonSettings, ServiceSettings


class DirectorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_DIRECTORY_", extra="ignore")


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_EVENTS_", extra="ignore")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os  # noqa: PLC0415

    for name in list(os.environ):
        if name.startswith("MAILLAGE_"):
            monkeypatch.delenv(name)


def test_defaults_run_embedded_without_any_environment() -> None:
    settings = DirectorySettings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.common.nats_url == "nats://127.0.0.1:4222"
    assert settings.common.identity_secret.get_secret_value() == DEV_IDENTITY_SECRET
    assert settings.page_size_max >= settings.page_size_default


def test_each_service_reads_only_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_DIRECTORY_DATABASE_URL", "postgresql+asyncpg://db/directory")
    monkeypatch.setenv("MAILLAGE_DIRECTORY_PORT", "8101")
    monkeypatch.setenv("MAILLAGE_EVENTS_DATABASE_URL", "postgresql+asyncpg://db/events")

    directory, events = DirectorySettings(), EventsSettings()

    assert directory.database_url == "postgresql+asyncpg://db/directory"
    assert directory.port == 8101
    assert events.database_url == "postgresql+asyncpg://db/events"
    assert events.port == ServiceSettings.model_fields["port"].default


def test_common_values_are_set_once_for_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_NATS_URL", "nats://broker:4222")
    monkeypatch.setenv("MAILLAGE_IDENTITY_SECRET", "s3cret")
    monkeypatch.setenv("MAILLAGE_IDENTITY_TTL_SECONDS", "30")

    for settings in (DirectorySettings(), EventsSettings(), CommonSettings()):
        common = settings if isinstance(settings, CommonSettings) else settings.common
        assert common.nats_url == "nats://broker:4222"
        assert common.identity_secret.get_secret_value() == "s3cret"
        assert common.identity_ttl_seconds == 30


def test_a_service_prefix_does_not_leak_into_common(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_DIRECTORY_NATS_URL", "nats://wrong:1")
    assert DirectorySettings().common.nats_url == "nats://127.0.0.1:4222"


def test_secrets_do_not_show_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_IDENTITY_SECRET", "s3cret")
    assert "s3cret" not in repr(DirectorySettings())


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_DIRECTORY_PORT", "eighty")
    with pytest.raises(ValueError, match="port"):
        DirectorySettings()
