"""The supervisor with small Python children: crash reports, restarts, stopping together."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from kit.testing.polling import wait_until
from maillage_cli.supervisor import ChildFailed, ChildSpec, Supervisor, run_once

# Prints a line, then crashes with code 3 the first time (a marker file tells a restart).
CRASH_ONCE = """
import pathlib, sys, time
marker = pathlib.Path(sys.argv[1])
print("starting, marker exists:", marker.exists(), flush=True)
if not marker.exists():
    marker.write_text("crashed")
    print("about to fail: database is locked", flush=True)
    sys.exit(3)
time.sleep(60)
"""

SLEEPER = "import time; print('up', flush=True); time.sleep(60)"


def spec(name: str, code: str, *args: str, **kwargs: object) -> ChildSpec:
    return ChildSpec(
        name=name, argv=[sys.executable, "-c", code, *args], env=dict(os.environ), **kwargs
    )  # type: ignore[arg-type]


async def test_crashed_child_is_reported_with_exit_code_and_last_lines_then_restarted(
    tmp_path: Path,
) -> None:
    reports: list[str] = []
    supervisor = Supervisor(report=reports.append, backoff_initial=0.05)
    child = await supervisor.start(spec("flaky", CRASH_ONCE, str(tmp_path / "marker")))
    first_pid = child.pid
    try:
        await wait_until(
            lambda: _true(child.restarts == 1 and child.running), what="restart", within=10
        )
        assert child.pid != first_pid
        assert len(reports) == 1
        assert "flaky" in reports[0]
        assert "exit code 3" in reports[0]
        assert "database is locked" in reports[0]
    finally:
        await supervisor.stop_all()
    assert not child.running


async def test_stop_all_stops_every_child_and_nothing_is_restarted(tmp_path: Path) -> None:
    reports: list[str] = []
    supervisor = Supervisor(report=reports.append)
    children = [await supervisor.start(spec(f"sleeper-{i}", SLEEPER)) for i in range(3)]
    await wait_until(
        lambda: _true(all(c.last_lines for c in children)), what="children up", within=10
    )
    pids = [c.pid for c in children]

    await supervisor.stop_all()

    assert all(not c.running for c in children)
    assert all(c.process and c.process.returncode == -signal.SIGTERM for c in children)
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert reports == []


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    reports: list[str] = []
    supervisor = Supervisor(report=reports.append, stop_timeout=0.5)
    child = await supervisor.start(spec("stubborn", stubborn))
    await wait_until(lambda: _true(child.last_lines), what="child up", within=10)

    await supervisor.stop_all()

    assert child.process
    assert child.process.returncode == -signal.SIGKILL
    assert any("ignored SIGTERM" in r for r in reports)


async def test_stopping_during_a_restart_delay_returns_at_once(tmp_path: Path) -> None:
    supervisor = Supervisor(report=lambda _: None, backoff_initial=30)
    child = await supervisor.start(spec("crasher", "import sys; sys.exit(1)"))
    await wait_until(
        lambda: _true(child.process and child.process.returncode is not None), what="crash"
    )
    await asyncio.wait_for(supervisor.stop("crasher"), timeout=5)
    assert child.restarts == 0


async def test_readiness_waits_for_the_probe(tmp_path: Path) -> None:
    flag = tmp_path / "ready"

    async def ready() -> bool:
        return flag.exists()

    code = (
        f"import pathlib, time; time.sleep(0.3); pathlib.Path({str(flag)!r}).touch(); "
        "time.sleep(60)"
    )
    supervisor = Supervisor()
    await supervisor.start(spec("slow", code, ready=ready))
    try:
        await supervisor.wait_ready(["slow"], within=10)
        assert flag.exists()
    finally:
        await supervisor.stop_all()


async def test_a_one_shot_child_that_dies_before_ready_fails_with_its_output() -> None:
    async def never() -> bool:
        return False

    supervisor = Supervisor()
    await supervisor.start(
        spec(
            "broken",
            "print('no such table: actors'); raise SystemExit(2)",
            ready=never,
            restart=False,
        )
    )
    with pytest.raises(ChildFailed, match="code 2") as failure:
        await supervisor.wait_ready(["broken"], within=10)
    assert "no such table: actors" in str(failure.value)
    await supervisor.stop_all()


async def test_run_once_returns_output_or_raises_with_the_tail() -> None:
    out = await run_once("ok", [sys.executable, "-c", "print('migrated')"], dict(os.environ))
    assert "migrated" in out
    with pytest.raises(ChildFailed, match="exited with code 4") as failure:
        await run_once(
            "bad", [sys.executable, "-c", "print('boom'); raise SystemExit(4)"], dict(os.environ)
        )
    assert "boom" in str(failure.value)


async def _true(value: object) -> bool:
    return bool(value)


async def test_kill_all_ends_every_child_at_once() -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    supervisor = Supervisor(report=lambda _: None, stop_timeout=30)
    children = [await supervisor.start(spec(f"stubborn-{i}", stubborn)) for i in range(2)]
    await wait_until(lambda: _true(all(c.last_lines for c in children)), what="up", within=10)

    supervisor.kill_all()
    await asyncio.wait_for(supervisor.stop_all(), timeout=5)

    assert all(c.process and c.process.returncode == -signal.SIGKILL for c in children)


async def test_a_child_writing_a_huge_line_is_still_watched(tmp_path: Path) -> None:
    log = tmp_path / "huge.log"
    code = "import time; print('x' * 200_000); print('after', flush=True); time.sleep(60)"
    supervisor = Supervisor()
    child = await supervisor.start(spec("huge", code, log_path=log))
    try:
        await wait_until(lambda: _true("after" in child.last_lines), what="line after", within=10)
    finally:
        await supervisor.stop_all()
    assert log.stat().st_size > 200_000
