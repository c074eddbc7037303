"""The real platform for end-to-end tests: our own nats-server and a :class:`Stack` on free
ports in a temporary directory, reached only through the gateway."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from kit.testing.nats import NatsServer
from maillage_cli.api import Api
from maillage_cli.stack import Stack, StackOptions


def clean_environ() -> dict[str, str]:
    """This machine's environment without any ``MAILLAGE_*`` setting that could leak in, and
    the EU watch's portal sync off: tests never reach the internet."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    return environ | {"MAILLAGE_EU_WATCH_SEDIA_SYNC": "false"}


@pytest.fixture(name="clean_environ")
def clean_environ_fixture() -> dict[str, str]:
    return clean_environ()


@pytest.fixture(scope="module")
def clean_environ_module() -> dict[str, str]:
    return clean_environ()


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server of the test's own, which tests may stop and start again."""
    server = NatsServer(tmp_path_factory.mktemp("e2e-nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def supervisor_reports() -> list[str]:
    """What the stack's supervisor told (crashes, restarts)."""
    return []


@pytest.fixture(scope="module")
async def stack(
    nats: NatsServer, tmp_path_factory: pytest.TempPathFactory, supervisor_reports: list[str]
) -> AsyncIterator[Stack]:
    options = StackOptions(
        report=supervisor_reports.append,
        var_dir=tmp_path_factory.mktemp("e2e-var"),
        environ=clean_environ(),
        nats_url=nats.url,
        gateway_port=0,
        prefer_default_ports=False,
    )
    async with Stack(options) as running:
        yield running


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Api]:
    """The public API, as the admin."""
    async with Api(stack.api_url, stack.admin_key) as client:
        yield client
