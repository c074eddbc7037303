"""How the stack settles secrets, ports and each process's environment (nothing started)."""

from __future__ import annotations

import base64
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from maillage_cli.stack import SERVICES, Stack, StackError, StackOptions, port_is_free
from maillage_cli.supervisor import run_once


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def make_stack(var_dir: Path, **environ: str) -> Stack:
    return Stack(StackOptions(var_dir=var_dir, environ=environ, gateway_port=0))


def test_secrets_are_generated_once_private_and_kept(tmp_path: Path) -> None:
    first = make_stack(tmp_path)
    first.prepare()
    for name in ("admin-key", "identity-secret", "gateway-secrets.key"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, name
    assert len(first.admin_key) >= 32
    assert first.admin_key != first.identity_secret
    # The gateway's secrets key: a Fernet key (32 bytes), passed to the gateway processes.
    key_file = tmp_path / "gateway-secrets.key"
    assert len(base64.urlsafe_b64decode(key_file.read_text().strip())) == 32
    assert first.environment()["MAILLAGE_GATEWAY_SECRETS_KEY_FILE"] == str(key_file.resolve())
    first_key = key_file.read_text()

    again = make_stack(tmp_path)
    again.prepare()
    assert (again.admin_key, again.identity_secret) == (first.admin_key, first.identity_secret)
    assert key_file.read_text() == first_key


def test_secrets_given_in_the_environment_win_and_are_not_written(tmp_path: Path) -> None:
    stack = make_stack(
        tmp_path,
        MAILLAGE_ADMIN_KEY="operator-key",
        MAILLAGE_IDENTITY_SECRET="s",
        MAILLAGE_GATEWAY_SECRETS_KEY="k",
    )
    stack.prepare()
    assert stack.admin_key == "operator-key"
    assert stack.identity_secret == "s"
    assert not (tmp_path / "admin-key").exists()
    assert not (tmp_path / "gateway-secrets.key").exists()
    assert stack.environment()["MAILLAGE_GATEWAY_SECRETS_KEY"] == "k"
    assert "MAILLAGE_GATEWAY_SECRETS_KEY_FILE" not in stack.environment()


def test_a_taken_gateway_port_is_a_clear_error(tmp_path: Path, listener: int) -> None:
    stack = Stack(StackOptions(var_dir=tmp_path, environ={"MAILLAGE_GATEWAY_PORT": str(listener)}))
    with pytest.raises(
        StackError, match=rf"port {listener} is already in use.*MAILLAGE_GATEWAY_PORT"
    ):
        stack.prepare()


def test_services_avoid_taken_ports_and_every_process_gets_its_settings(
    tmp_path: Path, listener: int
) -> None:
    stack = make_stack(tmp_path, MAILLAGE_EVENTS_PORT=str(listener + 0))
    stack.prepare()
    ports = {name: e.port for name, e in stack.endpoints.items()}
    assert len(set(ports.values())) == len(ports)
    assert ports["events"] == listener  # configured explicitly: honoured as given
    for name, port in ports.items():
        if name != "events" and port not in {8001, 8002, 8003, 8004}:
            assert port_is_free(port)

    env = stack.environment()
    for process in SERVICES:
        url = env[process.prefix + "DATABASE_URL"]
        assert url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/{process.name}.db"
        assert env[process.prefix + "PORT"] == str(ports[process.name])
        assert env[f"MAILLAGE_GATEWAY_{process.env_key}_URL"] == stack.service_url(process.name)
    assert env["MAILLAGE_ADMIN_KEY"] == stack.admin_key
    assert env["MAILLAGE_IDENTITY_SECRET"] == stack.identity_secret


def test_a_configured_database_is_used_instead_of_sqlite(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/maillage_directory"
    stack = make_stack(tmp_path, MAILLAGE_DIRECTORY_DATABASE_URL=url)
    stack.prepare()
    assert stack.environment()["MAILLAGE_DIRECTORY_DATABASE_URL"] == url
    assert stack.environment()["MAILLAGE_EVENTS_DATABASE_URL"].startswith("sqlite+aiosqlite:")


async def test_var_and_what_the_children_write_there_are_private(tmp_path: Path) -> None:
    """var/*.db were world-readable (0644 in a 0755 directory) under make run: the gateway's
    database holds webhook and inbox secrets, the directory's private contacts."""
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True)
    var.chmod(0o755)
    (var / "gateway.db").write_text("made by an older make run")
    (var / "gateway.db").chmod(0o644)
    make_stack(var).prepare()

    await run_once(
        "writer",
        [sys.executable, "-c", "open('events.db', 'w').write('x')"],
        {},
        cwd=var,
    )

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(var) == 0o700
    assert mode(var / "mail") == 0o700
    assert mode(var / "gateway.db") == 0o600
    assert mode(var / "events.db") == 0o600
