"""The whole platform on one machine: NATS, migrations, the four services, the gateway and
its worker (partner webhooks out, partner pushes in), and a local mail sink (every message kept
under ``var/mail/``) unless ``MAILLAGE_SMTP_URL`` names a real SMTP server.

:class:`Stack` is what ``maillage run`` runs and what the end-to-end tests and benchmarks
start: given a state directory it settles the NATS URL, the ports, the secrets and each
process's environment, runs every migration, starts the processes under a
:class:`~maillage_cli.supervisor.Supervisor` and waits until each answers ``/readyz``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from kit.testing.nats import free_port, nats_server_binary
from maillage_cli.address import clear_api_url, write_api_url
from maillage_cli.supervisor import ChildSpec, Reporter, Supervisor, run_once

DEFAULT_GATEWAY_PORT = 8000
DEFAULT_NATS_PORT = 4222
DEFAULT_MAIL_SINK_PORT = 8025
MAIL_SINK_CHILD = "mail-sink"


@dataclass(frozen=True)
class ProcessDef:
    """One Maillage process: its name, console script, env prefix and preferred port."""

    name: str
    script: str
    env_key: str
    default_port: int

    @property
    def prefix(self) -> str:
        return f"MAILLAGE_{self.env_key}_"


SERVICES: tuple[ProcessDef, ...] = (
    ProcessDef("directory", "maillage-directory", "DIRECTORY", 8001),
    ProcessDef("events", "maillage-events", "EVENTS", 8002),
    ProcessDef("surveys", "maillage-surveys", "SURVEYS", 8003),
    ProcessDef("eu-watch", "maillage-eu-watch", "EU_WATCH", 8004),
)
GATEWAY = ProcessDef("gateway", "maillage-gateway", "GATEWAY", DEFAULT_GATEWAY_PORT)
#: ``maillage-gateway worker``: no port of its own, the gateway's settings and database.
GATEWAY_WORKER = "gateway-worker"
NATS_CHILD = "nats"
#: Webhook receivers the embedded run may post to over plain http: this machine's own
#: (a partner's test receiver, a demo). Production keeps the SSRF guard's default: none.
#: Browser origins of front-end development servers (Vite, Create React App / Next.js,
#: Angular, Vue CLI…) that `maillage run` lets call the API, unless
#: MAILLAGE_GATEWAY_CORS_ORIGINS says otherwise. Never in production: compose lists none.
LOCAL_DEV_ORIGINS = ",".join(
    f"http://{host}:{port}"
    for host in ("localhost", "127.0.0.1")
    for port in (3000, 4200, 5173, 8080)
)
LOCAL_WEBHOOK_HOSTS = "127.0.0.1,localhost,::1"


class StackError(RuntimeError):
    """The stack cannot start as configured (a port taken, a program missing...)."""


@dataclass
class StackOptions:
    """How to run the stack; the defaults are those of ``maillage run``."""

    var_dir: Path
    #: Where ``MAILLAGE_*`` settings are read from (and the base of each child's environment).
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    #: A broker to use; ``None`` means ``MAILLAGE_NATS_URL`` or else a nats-server of our own.
    nats_url: str | None = None
    #: ``None``: ``MAILLAGE_GATEWAY_PORT`` or 8000 (which must then be free); 0: any free port.
    gateway_port: int | None = None
    #: Try the well-known ports (NATS 4222, services 8001-8004) before random free ones.
    prefer_default_ports: bool = True
    log_level: str | None = None
    #: Where child output lines go besides ``var/logs/<name>.log`` (None: only the files).
    echo: Reporter | None = None
    #: Where crashes and restarts are told.
    report: Reporter | None = None
    ready_timeout: float = 120.0


@dataclass
class Endpoint:
    process: ProcessDef
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Stack:
    """Start, watch and stop every Maillage process (see the module docstring)."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.var_dir = options.var_dir.resolve()
        self.supervisor = Supervisor(report=options.report, echo=options.echo)
        self.endpoints: dict[str, Endpoint] = {}
        self.nats_url = ""
        self.nats_port: int | None = None
        #: Where every process sends mail; the local sink's port when the stack runs one.
        self.smtp_url = ""
        self.mail_sink_port: int | None = None
        self.identity_secret = ""
        self.admin_key = ""
        #: The gateway's secrets key file; None when MAILLAGE_GATEWAY_SECRETS_KEY gives the key.
        self.gateway_secrets_key_file: Path | None = None
        self._http: httpx.AsyncClient | None = None

    # -- what callers use -----------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The public API (the gateway)."""
        return self.endpoints[GATEWAY.name].url

    def service_url(self, name: str) -> str:
        """A service's own port (which refuses calls that do not come through the gateway)."""
        return self.endpoints[name].url

    @property
    def cors_origins(self) -> str:
        """The browser origins the gateway lets call the API."""
        return self._setting("MAILLAGE_GATEWAY_CORS_ORIGINS") or LOCAL_DEV_ORIGINS

    @property
    def owns_nats(self) -> bool:
        return self.nats_port is not None

    @property
    def mail_dir(self) -> Path:
        """Where the local sink keeps each message as an ``.eml`` file."""
        return self.var_dir / "mail"

    async def __aenter__(self) -> Stack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Prepare state, migrate, start every process and wait until all are ready."""
        self.prepare()
        self._http = httpx.AsyncClient(timeout=2.0)
        try:
            await self._start_nats()
            await self._start_mail_sink()
            await self.migrate()
            # All at once: the gateway starts while the services do, and is ready (its
            # /readyz answers 200) only once every service is.
            everyone = (*SERVICES, GATEWAY)
            for process in everyone:
                await self.supervisor.start(self._child(process))
            await self.supervisor.start(self._worker_child())
            await self.supervisor.wait_ready(
                [p.name for p in everyone], within=self.options.ready_timeout
            )
            # What `maillage actors|keys|seed` call when no address is given.
            write_api_url(self.var_dir, self.api_url)
        except BaseException:
            await self.stop()
            raise

    def prepare(self) -> None:
        """Create ``var/``, settle the secrets and the ports; starts nothing."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        (self.var_dir / "logs").mkdir(exist_ok=True)
        make_private(self.var_dir)
        self.identity_secret = self._secret("MAILLAGE_IDENTITY_SECRET", "identity-secret")
        self.admin_key = self._secret("MAILLAGE_ADMIN_KEY", "admin-key")
        self.gateway_secrets_key_file = self._gateway_secrets_key_file()
        self._choose_ports()

    async def stop(self) -> None:
        """Stop every process (gateway first, NATS last)."""
        clear_api_url(self.var_dir)
        await self.supervisor.stop_all()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def migrate(self) -> None:
        """Run every process's ``migrate`` step (``maillage migrate``: all in one interpreter)."""
        await run_once("migrations", [_script("maillage"), "migrate"], self.environment())

    # -- preparation ----------------------------------------------------------------------

    def _setting(self, key: str) -> str | None:
        value = self.options.environ.get(key)
        return value if value else None

    def _secret(self, env_key: str, file_name: str) -> str:
        """The value of ``env_key``, else one generated once and kept in ``var/`` (0600)."""
        given = self._setting(env_key)
        if given:
            return given
        path = self.var_dir / file_name
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(32)
        _write_private(path, value)
        return value

    def _gateway_secrets_key_file(self) -> Path | None:
        """The key file encrypting the gateway's webhook and partner secrets, made once
        (a Fernet key: 32 random bytes, url-safe base64); None when the key is given."""
        if self._setting("MAILLAGE_GATEWAY_SECRETS_KEY"):
            return None
        configured = self._setting("MAILLAGE_GATEWAY_SECRETS_KEY_FILE")
        path = Path(configured).resolve() if configured else self.var_dir / "gateway-secrets.key"
        if not path.exists():
            _write_private(path, base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        return path

    def _choose_ports(self) -> None:
        taken: set[int] = set()
        gateway_port = self.options.gateway_port
        if gateway_port is None:
            configured = self._setting(GATEWAY.prefix + "PORT")
            gateway_port = int(configured) if configured else DEFAULT_GATEWAY_PORT
            if not port_is_free(gateway_port):
                raise StackError(
                    f"port {gateway_port} is already in use, so the gateway cannot listen "
                    f"there. Stop what uses it, or choose another port with "
                    f"MAILLAGE_GATEWAY_PORT=8080 (for example)."
                )
        elif gateway_port == 0:
            gateway_port = free_port()
        taken.add(gateway_port)
        self.endpoints[GATEWAY.name] = Endpoint(GATEWAY, gateway_port)
        for process in SERVICES:
            configured = self._setting(process.prefix + "PORT")
            port = int(configured) if configured else self._pick_port(process.default_port, taken)
            taken.add(port)
            self.endpoints[process.name] = Endpoint(process, port)
        self._choose_mail(taken)

    def _choose_mail(self, taken: set[int]) -> None:
        configured = self._setting("MAILLAGE_SMTP_URL")
        if configured:
            self.smtp_url = configured
            return
        self.mail_sink_port = self._pick_port(DEFAULT_MAIL_SINK_PORT, taken)
        taken.add(self.mail_sink_port)
        self.smtp_url = f"smtp://127.0.0.1:{self.mail_sink_port}?starttls=off"

    def _pick_port(self, preferred: int, taken: set[int]) -> int:
        if self.options.prefer_default_ports and preferred not in taken and port_is_free(preferred):
            return preferred
        while True:
            port = free_port()
            if port not in taken:
                return port

    async def _start_nats(self) -> None:
        url = self.options.nats_url or self._setting("MAILLAGE_NATS_URL")
        if url:
            self.nats_url = url
            return
        self.nats_port = self._pick_port(DEFAULT_NATS_PORT, set())
        self.nats_url = f"nats://127.0.0.1:{self.nats_port}"
        await self.supervisor.start(self._nats_child())
        await self.supervisor.wait_ready([NATS_CHILD], within=self.options.ready_timeout)

    async def _start_mail_sink(self) -> None:
        if self.mail_sink_port is None:
            return  # MAILLAGE_SMTP_URL names the server
        port = self.mail_sink_port

        async def listening() -> bool:
            return await tcp_open(port)

        await self.supervisor.start(
            ChildSpec(
                name=MAIL_SINK_CHILD,
                argv=[
                    sys.executable,
                    "-m",
                    "kit.mail.sink",
                    "--dir",
                    str(self.mail_dir),
                    "--port",
                    str(port),
                ],
                env=dict(self.options.environ),
                log_path=self.var_dir / "logs" / f"{MAIL_SINK_CHILD}.log",
                ready=listening,
            )
        )
        await self.supervisor.wait_ready([MAIL_SINK_CHILD], within=self.options.ready_timeout)

    def _nats_child(self) -> ChildSpec:
        assert self.nats_port is not None
        port = self.nats_port

        async def listening() -> bool:
            return await tcp_open(port)

        store = self.var_dir / "nats"
        store.mkdir(exist_ok=True)
        return ChildSpec(
            name=NATS_CHILD,
            argv=[
                nats_server_binary(),
                "--addr",
                "127.0.0.1",
                "--port",
                str(port),
                "--jetstream",
                "--store_dir",
                str(store),
                "--server_name",
                "maillage",
            ],
            env=dict(self.options.environ),
            log_path=self.var_dir / "logs" / "nats.log",
            ready=listening,
        )

    def database_url(self, process: ProcessDef) -> str:
        configured = self._setting(process.prefix + "DATABASE_URL")
        if configured:
            return configured
        file_name = process.name + ".db"
        return f"sqlite+aiosqlite:///{self.var_dir / file_name}"

    def environment(self) -> dict[str, str]:
        """The environment every Maillage process of this stack gets."""
        env = dict(self.options.environ)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "MAILLAGE_NATS_URL": self.nats_url,
                "MAILLAGE_IDENTITY_SECRET": self.identity_secret,
                "MAILLAGE_ADMIN_KEY": self.admin_key,
                "MAILLAGE_LOG_LEVEL": self.options.log_level
                or env.get("MAILLAGE_LOG_LEVEL")
                or "INFO",
            }
        )
        for process in (*SERVICES, GATEWAY):
            endpoint = self.endpoints[process.name]
            env[process.prefix + "DATABASE_URL"] = self.database_url(process)
            env[process.prefix + "PORT"] = str(endpoint.port)
            env[process.prefix + "HOST"] = "127.0.0.1"
        for process in SERVICES:
            env[f"MAILLAGE_GATEWAY_{process.env_key}_URL"] = self.endpoints[process.name].url
        if self.gateway_secrets_key_file is not None:
            env["MAILLAGE_GATEWAY_SECRETS_KEY_FILE"] = str(self.gateway_secrets_key_file)
        env["MAILLAGE_SMTP_URL"] = self.smtp_url
        # Links in messages lead to this gateway unless you say where people reach it.
        env.setdefault("MAILLAGE_PUBLIC_URL", self.api_url)
        # Yours wins: set it to "" to test the SSRF guard as production runs it.
        env.setdefault("MAILLAGE_GATEWAY_WEBHOOK_ALLOWED_HOSTS", LOCAL_WEBHOOK_HOSTS)
        env.setdefault("MAILLAGE_GATEWAY_CORS_ORIGINS", LOCAL_DEV_ORIGINS)
        return env

    def _worker_child(self) -> ChildSpec:
        """The gateway's worker; it has no port to probe, so it is ready once started (a
        crash is reported and restarted like any child's)."""
        return ChildSpec(
            name=GATEWAY_WORKER,
            argv=[_script(GATEWAY.script), "worker"],
            env=self.environment(),
            log_path=self.var_dir / "logs" / f"{GATEWAY_WORKER}.log",
        )

    def _child(self, process: ProcessDef) -> ChildSpec:
        endpoint = self.endpoints[process.name]
        http = self._http
        assert http is not None
        ready_url = endpoint.url + "/readyz"

        async def ready() -> bool:
            response = await http.get(ready_url)
            return response.status_code == 200

        return ChildSpec(
            name=process.name,
            argv=[
                _script(process.script),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(endpoint.port),
            ],
            env=self.environment(),
            log_path=self.var_dir / "logs" / f"{process.name}.log",
            ready=ready,
        )


def _script(name: str) -> str:
    """A console script of this environment (beside the interpreter), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise StackError(f"{name} is not installed: run `make install` first")
    return found


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:``port`` and we may bind it."""
    with socket.socket() as sock:
        # Like the servers themselves: a port held only by TIME_WAIT sockets is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _write_private(path: Path, value: str) -> None:
    """Create ``path`` holding ``value``, readable by its owner alone (0600) from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")


def make_private(var_dir: Path) -> None:
    """``var_dir`` and everything in it readable by their owner alone (0700 directories,
    0600 files): a var/ made before, or by hand, with the usual 0755/0644 let every user of
    the machine read the databases (webhook secrets, private contacts)."""
    var_dir.chmod(0o700)
    for root, directories, files in os.walk(var_dir):
        for name in directories:
            (Path(root) / name).chmod(0o700)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(0o600)


async def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        async with asyncio.timeout(1):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True
