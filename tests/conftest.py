"""The cross-service tests start real processes: stacks of services with their nats-server,
migrations and console scripts in subprocesses. `make test` runs the suite in two
pytest-xdist workers; these tests all go to one of them, one after the other, as one unit of
work: two stacks starting at once on a two-core machine slowed each other past their tests'
deadlines, while the packages' in-process tests fill the other worker.

xdist's own ``--dist loadgroup`` cannot do it with pytest 9 (it renames the tests'
ids, which pytest 9 no longer lets a plugin do): the scheduler here is ``--dist loadscope``
(a module's tests stay together, so a module's stack starts once) with ``tests/`` as a
single scope, the largest, so a worker takes it first."""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

HERE = "tests/"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None  # xdist's own

    class WholePlatformApart(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return HERE if nodeid.startswith(HERE) else super()._split_scope(nodeid)

    return WholePlatformApart(config, log)
