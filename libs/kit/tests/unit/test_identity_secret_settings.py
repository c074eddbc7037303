"""Outside development, no process starts with a guessable identity secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from kit.settings import DEV_IDENTITY_SECRET, CommonSettings, ServiceSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MAILLAGE_"):
            monkeypatch.delenv(name)


def test_development_keeps_the_built_in_secret_and_short_ones() -> None:
    assert CommonSettings().identity_secret.get_secret_value() == DEV_IDENTITY_SECRET
    assert CommonSettings(identity_secret="s3cret").identity_secret.get_secret_value() == "s3cret"  # type: ignore[arg-type]


def test_production_refuses_the_built_in_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="MAILLAGE_IDENTITY_SECRET is not set"):
        CommonSettings()
    # A service's settings build the common ones: the service refuses too.
    with pytest.raises(ValidationError, match="built-in development secret"):
        ServiceSettings()


def test_production_refuses_the_built_in_secret_even_when_given_explicitly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILLAGE_ENVIRONMENT", "staging")
    monkeypatch.setenv("MAILLAGE_IDENTITY_SECRET", DEV_IDENTITY_SECRET)
    with pytest.raises(ValidationError, match="refused outside development"):
        CommonSettings()


@pytest.mark.parametrize("secret", ["", "change-me", "x" * 31, "é" * 15])
def test_production_refuses_secrets_shorter_than_32_bytes(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("MAILLAGE_ENVIRONMENT", "production")
    monkeypatch.setenv("MAILLAGE_IDENTITY_SECRET", secret)
    with pytest.raises(ValidationError, match="too short") as refused:
        CommonSettings()
    if secret:  # the refused value is never echoed (it goes to logs)
        assert secret not in str(refused.value)


# Named ids: a random value in a test id differs between pytest-xdist workers, which then
# refuse to run (each must collect the same tests).
@pytest.mark.parametrize(
    "secret",
    ["x" * 32, "é" * 16, secrets.token_urlsafe(32)],
    ids=["ascii-32", "two-byte-16", "token-urlsafe"],
)
def test_production_accepts_secrets_of_32_bytes_or_more(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("MAILLAGE_ENVIRONMENT", "production")
    monkeypatch.setenv("MAILLAGE_IDENTITY_SECRET", secret)
    assert CommonSettings().identity_secret.get_secret_value() == secret


def test_a_production_process_without_a_secret_exits_with_the_reason(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")} | {
        "MAILLAGE_ENVIRONMENT": "production",
        "MAILLAGE_DIRECTORY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
    }
    script = Path(sys.executable).parent / "maillage-directory"
    refused = subprocess.run(
        [str(script), "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert refused.returncode == 2
    assert "maillage-directory: refusing to start" in refused.stderr
    assert "MAILLAGE_IDENTITY_SECRET is not set" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "d.db").exists()

    gateway = subprocess.run(
        [str(script.with_name("maillage-gateway")), "migrate"],
        env=env | {"MAILLAGE_IDENTITY_SECRET": "change-me"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert gateway.returncode == 2
    assert "MAILLAGE_IDENTITY_SECRET is too short (9 bytes" in gateway.stderr
    assert "change-me" not in gateway.stderr
    assert "Traceback" not in gateway.stderr

    env["MAILLAGE_IDENTITY_SECRET"] = secrets.token_urlsafe(32)
    accepted = subprocess.run(
        [str(script), "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert (tmp_path / "d.db").exists()
