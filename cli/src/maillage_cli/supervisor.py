"""Supervise child processes with asyncio: start, watch, restart with backoff, stop together.

Children run in their own process group, so a Ctrl-C in the terminal reaches only the
supervisor, which then stops every child in reverse start order (SIGTERM, then SIGKILL after
a grace period). A child that exits on its own is reported with its exit code and its last
log lines, then restarted after a delay that doubles on each quick crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

#: ``probe()`` → True once the child serves (e.g. its ``/readyz`` answers 200).
ReadinessProbe = Callable[[], Awaitable[bool]]
#: Where the supervisor tells what happens (a line of text).
Reporter = Callable[[str], None]


#: What children create (databases, their journals, NATS's store, mail, logs) is readable by
#: the user running the stack alone: the databases hold private contacts and secrets.
PRIVATE_UMASK = 0o077


def _private_log(path: Path) -> BinaryIO:
    """``path`` opened for appending, created readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, "ab")


@dataclass(frozen=True)
class ChildSpec:
    """How to run one child process."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path | None = None
    log_path: Path | None = None
    ready: ReadinessProbe | None = None
    #: Restart after a crash; one-shot steps (migrations) use :func:`run_once` instead.
    restart: bool = True


@dataclass
class Child:
    """A supervised child and what is known of it."""

    spec: ChildSpec
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    restarts: int = 0
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=30))
    watcher: asyncio.Task[None] | None = None
    #: Set while the supervisor (not a crash) is stopping this child.
    stopping: bool = False
    #: Set to cut a restart delay short when the child is being stopped.
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class ChildFailed(RuntimeError):
    """A child exited (or never became ready) when it should not have."""

    def __init__(self, name: str, message: str, last_lines: Sequence[str]) -> None:
        tail = "\n".join(f"    {line}" for line in last_lines) or "    (no output)"
        super().__init__(f"{name}: {message}\n  last lines:\n{tail}")
        self.name = name


class Supervisor:
    """Runs children, restarts the ones that crash, and stops them all on request."""

    def __init__(
        self,
        *,
        report: Reporter | None = None,
        echo: Reporter | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        stable_after: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self._report = report or logger.warning
        self._echo = echo
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._stable_after = stable_after
        self._stop_timeout = stop_timeout
        self._children: dict[str, Child] = {}
        self._closing = False

    @property
    def children(self) -> Mapping[str, Child]:
        return self._children

    async def start(self, spec: ChildSpec) -> Child:
        """Start ``spec`` and keep it running until :meth:`stop` or :meth:`stop_all`."""
        if spec.name in self._children and self._children[spec.name].running:
            raise RuntimeError(f"{spec.name} is already running")
        self._closing = False
        child = self._children.get(spec.name) or Child(spec=spec)
        child.spec = spec
        child.stopping = False
        child.wake.clear()
        self._children[spec.name] = child
        await self._spawn(child)
        child.watcher = asyncio.create_task(self._guarded_watch(child), name=f"watch-{spec.name}")
        return child

    async def wait_ready(self, names: Sequence[str] | None = None, *, within: float = 60) -> None:
        """Wait until each named child's readiness probe passes; fail fast if one exits."""
        chosen = [self._children[n] for n in (names or list(self._children))]
        await asyncio.gather(*(self._wait_one_ready(c, within) for c in chosen))

    async def _wait_one_ready(self, child: Child, within: float) -> None:
        probe = child.spec.ready
        if probe is None:
            return
        deadline = time.monotonic() + within
        while True:
            process = child.process
            if process is not None and process.returncode is not None and not child.spec.restart:
                raise ChildFailed(
                    child.spec.name,
                    f"exited with code {process.returncode} before it was ready",
                    list(child.last_lines),
                )
            with contextlib.suppress(Exception):
                if await probe():
                    return
            if time.monotonic() >= deadline:
                raise ChildFailed(
                    child.spec.name, f"not ready after {within:.0f}s", list(child.last_lines)
                )
            await asyncio.sleep(0.05)

    async def stop(self, name: str) -> None:
        """Stop one child on purpose (it is not restarted until :meth:`start` again)."""
        child = self._children[name]
        child.stopping = True
        child.wake.set()
        await self._terminate(child)
        if child.watcher is not None:
            await asyncio.gather(child.watcher, return_exceptions=True)
            child.watcher = None

    async def stop_all(self) -> None:
        """Stop every child, the last started first."""
        self._closing = True
        for name in reversed(list(self._children)):
            await self.stop(name)

    def kill_all(self) -> None:
        """SIGKILL every child at once (a second Ctrl-C: the user will not wait)."""
        self._closing = True
        for child in self._children.values():
            child.stopping = True
            child.wake.set()
            if child.running and child.process is not None:
                _signal_group(child.process.pid, signal.SIGKILL)

    async def _spawn(self, child: Child) -> None:
        spec = child.spec
        process = await asyncio.create_subprocess_exec(
            *spec.argv,
            env=dict(spec.env),
            cwd=spec.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            umask=PRIVATE_UMASK,
            # Own process group: the terminal's Ctrl-C goes to the supervisor alone, which
            # then stops the children in order.
            start_new_session=True,
        )
        child.process = process
        child.started_at = time.monotonic()

    async def _guarded_watch(self, child: Child) -> None:
        try:
            await self._watch(child)
        except Exception as exc:  # a bug here must be seen, not lost in an unawaited task
            self._report(f"supervision of {child.spec.name} failed: {exc!r}")

    async def _watch(self, child: Child) -> None:
        backoff = self._backoff_initial
        while True:
            process = child.process
            assert process is not None
            await _pump_output(process, child, self._echo)
            code = await process.wait()
            if self._stop_requested(child) or not child.spec.restart:
                if not self._stop_requested(child):
                    self._report(f"{child.spec.name} exited with code {code}")
                return
            uptime = time.monotonic() - child.started_at
            if uptime >= self._stable_after:
                backoff = self._backoff_initial
            tail = "\n".join(f"    {line}" for line in child.last_lines) or "    (no output)"
            self._report(
                f"{child.spec.name} (pid {process.pid}) crashed with exit code {code} after "
                f"{uptime:.1f}s; restarting in {backoff:.1f}s. Last lines:\n{tail}"
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await child.wake.wait()
            backoff = min(backoff * 2, self._backoff_max)
            if self._stop_requested(child):  # stopped on purpose during the delay
                return
            try:
                await self._spawn(child)
            except OSError as exc:
                self._report(f"{child.spec.name} could not be restarted: {exc}")
                continue
            child.restarts += 1
            if self._stop_requested(child):  # stop() came while we were spawning
                await self._terminate(child)

    def _stop_requested(self, child: Child) -> bool:
        return child.stopping or self._closing

    async def _terminate(self, child: Child) -> None:
        process = child.process
        if process is None or process.returncode is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(self._stop_timeout):
                await process.wait()
        except TimeoutError:
            self._report(f"{child.spec.name} ignored SIGTERM for {self._stop_timeout}s; killing")
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _pump_output(
    process: asyncio.subprocess.Process, child: Child, echo: Reporter | None
) -> None:
    """Copy the child's output to its log file, its recent-lines buffer and ``echo``."""
    assert process.stdout is not None
    log = _private_log(child.spec.log_path) if child.spec.log_path else None
    try:
        while True:
            try:
                raw = await process.stdout.readuntil(b"\n")
            except asyncio.IncompleteReadError as end:  # end of output
                raw = end.partial
            except asyncio.LimitOverrunError as overrun:  # an overlong line: take it in pieces
                raw = await process.stdout.read(max(overrun.consumed, 1))
            if not raw:
                return
            if log is not None:
                log.write(raw)
                log.flush()
            line = raw.decode("utf-8", "replace").rstrip()
            child.last_lines.append(line)
            if echo is not None:
                echo(f"{child.spec.name:>10} | {line}")
    finally:
        if log is not None:
            log.close()


async def run_once(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    within: float = 300,
) -> str:
    """Run a one-shot step (a migration) to completion; raise :class:`ChildFailed` on error."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        umask=PRIVATE_UMASK,
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(within):
            output, _ = await process.communicate()
    except TimeoutError:
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()
        raise ChildFailed(name, f"did not finish within {within:.0f}s", []) from None
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise ChildFailed(name, f"exited with code {process.returncode}", text.splitlines()[-30:])
    return text
