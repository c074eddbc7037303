"""The embedded run's own nats-server crashes: the supervisor restarts it on the same port and
JetStream store, and the changes made meanwhile still reach the events."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import AsyncIterator

import pytest

from kit.testing.polling import wait_until
from maillage_cli.api import Api
from maillage_cli.stack import NATS_CHILD, Stack, StackOptions

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def embedded(
    tmp_path_factory: pytest.TempPathFactory, clean_environ_module: dict[str, str]
) -> AsyncIterator[tuple[Stack, list[str]]]:
    reports: list[str] = []
    options = StackOptions(
        var_dir=tmp_path_factory.mktemp("embedded"),
        environ=clean_environ_module,
        gateway_port=0,
        prefer_default_ports=False,
        report=reports.append,
    )
    async with Stack(options) as stack:
        yield stack, reports


async def test_a_killed_nats_server_is_restarted_and_nothing_is_lost(
    embedded: tuple[Stack, list[str]],
) -> None:
    stack, reports = embedded
    assert stack.owns_nats
    suffix = uuid.uuid4().hex[:6]
    async with Api(stack.api_url, stack.admin_key) as api:
        actor = await api.create_actor({"kind": "organisation", "name": f"Kimiyo {suffix}"})
        event = await api.create_event(
            {
                "title": f"Forum Mer et Littoral {suffix}",
                "kind": "forum",
                "organizer_ids": [actor.id],
                "timings": [
                    {"start": "2027-05-20T09:30:00+02:00", "end": "2027-05-20T17:00:00+02:00"}
                ],
                "attendance_mode": "offline",
                "location": {"name": "Lycée de la Mer", "city": "Sète", "postcode": "34200"},
            }
        )
        nats = stack.supervisor.children[NATS_CHILD]
        killed = nats.pid
        assert killed is not None

        os.kill(killed, signal.SIGKILL)
        new_name = f"Kimiyo, chimie et environnement {suffix}"
        await api.update_actor(actor.id, {"name": new_name}, actor.etag)

        async def shows() -> bool:
            return await api.organizer_names(event.id) == [new_name]

        await wait_until(shows, within=60, what="new name after the NATS crash")
    assert nats.restarts >= 1
    assert nats.pid != killed
    assert any(r.startswith(f"{NATS_CHILD} (pid {killed}) crashed") for r in reports), reports
