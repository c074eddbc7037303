"""Log lines carry the service name and the request id."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from kit.logs import configure_logging, request_id_var


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_lines_name_the_service_and_the_request(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("directory", "debug")
    log = logging.getLogger("directory.actors")
    token = request_id_var.set("req-7")
    try:
        log.info("actor created")
    finally:
        request_id_var.reset(token)
    log.debug("outside any request")

    first, second = capsys.readouterr().err.splitlines()
    assert first.endswith("INFO directory [req-7] directory.actors: actor created")
    assert second.endswith("DEBUG directory [-] directory.actors: outside any request")
