"""The cross-service tests start real processes: stacks of services with their nats-server,
migrations and console scripts in subprocesses. `make test` runs the suite in two
pytest-xdist workers (`--dist loadgroup`); these tests all go to one of them, one after the
other, as one group: two stacks starting at once on a two-core machine slowed each other
past their tests' deadlines, while the packages' in-process tests fill the other worker."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
WHOLE_PLATFORM = pytest.mark.xdist_group("whole-platform")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(WHOLE_PLATFORM)
