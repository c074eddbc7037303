"""The command line finds the running stack's address and names it when it cannot talk."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from maillage_cli.__main__ import main
from maillage_cli.address import resolve_api_url, write_api_url


def test_the_address_comes_from_the_flag_the_environment_var_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILLAGE_API_URL", raising=False)
    assert resolve_api_url(None, tmp_path) == ("http://127.0.0.1:8000", "the default")
    write_api_url(tmp_path, "http://127.0.0.1:8123")
    assert resolve_api_url(None, tmp_path) == (
        "http://127.0.0.1:8123",
        str(tmp_path / "api-url"),
    )
    monkeypatch.setenv("MAILLAGE_API_URL", "http://api.example.org/")
    assert resolve_api_url(None, tmp_path) == ("http://api.example.org", "MAILLAGE_API_URL")
    assert resolve_api_url("http://other:9000", tmp_path)[0] == "http://other:9000"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_api_is_named_with_where_its_address_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MAILLAGE_API_URL", raising=False)
    url = f"http://127.0.0.1:{_closed_port()}"
    write_api_url(tmp_path, url)
    (tmp_path / "admin-key").write_text("k\n")
    export = ["actors", "--var-dir", str(tmp_path), "export", "-o", str(tmp_path / "out.csv")]

    with pytest.raises(SystemExit) as exited:
        main(export)

    assert exited.value.code == 1
    said = capsys.readouterr().err
    assert f"cannot reach the API at {url}" in said
    assert str(tmp_path / "api-url") in said


def test_a_refused_key_names_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"title": "Authentication required", "detail": "bad key"})

    real_client = httpx.AsyncClient

    def fake_client(**kwargs: object) -> httpx.AsyncClient:
        return real_client(transport=httpx.MockTransport(answer), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "AsyncClient", fake_client)
    monkeypatch.setenv("MAILLAGE_API_URL", "http://127.0.0.1:8765")
    export = ["actors", "--key", "wrong", "export", "-o", str(tmp_path / "out.csv")]

    with pytest.raises(SystemExit) as exited:
        main(export)

    assert exited.value.code == 1
    said = capsys.readouterr().err
    assert "the API at http://127.0.0.1:8765 refused the key (401: bad key)" in said


SURVEYS_COMMANDS = [
    ["surveys", "invite", "3f1c8d57-3b3a-4f0e-9a56-6a4f2b1c0d9e", "region=76"],
    ["surveys", "invite", "3f1c8d57-3b3a-4f0e-9a56-6a4f2b1c0d9e", "--for-real"],
]


@pytest.mark.parametrize("command", SURVEYS_COMMANDS)
def test_surveys_names_an_unreachable_api_too(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("MAILLAGE_API_URL", raising=False)
    url = f"http://127.0.0.1:{_closed_port()}"
    write_api_url(tmp_path, url)
    (tmp_path / "admin-key").write_text("k\n")

    with pytest.raises(SystemExit) as exited:
        main([command[0], "--var-dir", str(tmp_path), *command[1:]])

    assert exited.value.code == 1
    said = capsys.readouterr().err
    assert f"maillage surveys: cannot reach the API at {url}" in said
    assert str(tmp_path / "api-url") in said
    assert "Traceback" not in said


def test_surveys_names_the_api_that_refused_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"title": "Authentication required", "detail": "bad key"})

    real_client = httpx.AsyncClient

    def fake_client(**kwargs: object) -> httpx.AsyncClient:
        return real_client(transport=httpx.MockTransport(answer), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "AsyncClient", fake_client)
    monkeypatch.setenv("MAILLAGE_API_URL", "http://127.0.0.1:8765")
    workbook = tmp_path / "form.xlsx"
    workbook.write_bytes(b"PK")

    with pytest.raises(SystemExit) as exited:
        main(["surveys", "--key", "wrong", "import", str(workbook)])

    assert exited.value.code == 1
    said = capsys.readouterr().err
    assert "the API at http://127.0.0.1:8765 refused the key (401: bad key)" in said
