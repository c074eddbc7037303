"""Gateway overhead: GET /v1/actors/{id} directly, through nginx and through the gateway.

Starts its own nats-server, a temporary SQLite directory (migrated), ``maillage-directory
serve``, ``maillage-gateway serve`` and, when the ``nginx`` binary is installed (Debian:
``apt-get install nginx-light``), an nginx reverse proxy to the same directory as the
reference (one worker, keep-alive to the upstream, no access log). Creates one actor and a
reader API key; the gateway is called with that key (authentication, key cache and rate
limiting on, with rates the load cannot reach), nginx and the direct target with the
identity the gateway would sign for it. Then loads the targets side by side at 1 and 32
connections and prints requests/s, p50/p99 latency, each proxy's throughput ratio to direct
and its p99 added latency, and the CPU time each request costs the proxy and the directory
(from /proc: it moves less than throughput when the machine is busy with other work). A
second gateway before an upstream that answers at once gives the gateway's own ceiling. Uses
``wrk`` when installed, else a Python aiohttp load generator
in a separate process.

    .venv/bin/python -P bench/gateway.py [--duration 5] [--rounds 3] [--connections 1 32]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from kit.identity import IDENTITY_HEADER, Identity, IdentitySigner, Role
from kit.testing.nats import NatsServer, free_port, wait_for_port

BIN = Path(sys.executable).parent


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


# --- load generators ------------------------------------------------------------------------


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: float) -> Figures:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _wrk_ms(re.search(r"^\s+50%\s+([\d.]+\w+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _wrk_ms(re.search(r"^\s+99%\s+([\d.]+\w+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return Figures(rps, p50, p99, errors)


def _wrk_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_python_load(
    url: str, headers: dict[str, str], connections: int, duration: float
) -> Figures:
    """The fallback generator, in its own process so it does not share a CPU loop."""
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load-url",
            url,
            "--load-headers",
            json.dumps(headers),
            "--connections",
            str(connections),
            "--duration",
            str(duration),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Figures(**json.loads(output))


async def _python_load(
    url: str, headers: dict[str, str], connections: int, duration: float
) -> Figures:
    import aiohttp  # noqa: PLC0415 - only the fallback needs it

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while (started := time.perf_counter()) < deadline:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        if response.status >= 400:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return Figures(
        requests_per_second=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
        errors=errors,
    )


# --- the processes under test ---------------------------------------------------------------


class Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: Sequence[str], env: dict[str, str]) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        log.close()
        self.running.append((name, process))

    def stop(self) -> None:
        for _, process in reversed(self.running):
            process.terminate()
        for _, process in reversed(self.running):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def pid(self, name: str) -> int:
        return next(process.pid for n, process in self.running if n == name)

    def log_tail(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text()[-3000:] if path.exists() else ""


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and its direct children (nginx's workers), from
    /proc: what a request costs a process, whatever else the machine runs meanwhile."""

    def stat(path: Path) -> list[str] | None:
        try:
            # The command name (field 2) may hold spaces; the fields after it do not.
            return path.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None

    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat(entry / "stat")
        # After the name: state, ppid, ... utime (14th field overall), stime (15th).
        if fields and (int(entry.name) == pid or int(fields[1]) == pid):
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


#: What the instant upstream answers: an actor's size and headers, without the directory.
_INSTANT_BODY = json.dumps(
    {"id": "00000000-0000-4000-8000-000000000000", "kind": "organisation", "name": "Muséum"}
    | {"description": "x" * 900, "status": "active", "version": 1}
).encode()
_INSTANT_ANSWER = (
    b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: "1"\r\n'
    b"content-length: %d\r\n\r\n" % len(_INSTANT_BODY)
) + _INSTANT_BODY


class _InstantUpstream(asyncio.Protocol):
    """Answers every request at once (GETs without a body, keep-alive): the gateway's own
    ceiling, with no service behind it to wait for."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        count = self.pending.count(b"\r\n\r\n")
        if count:
            self.pending = self.pending.rsplit(b"\r\n\r\n", 1)[1]
            self.transport.write(_INSTANT_ANSWER * count)


async def serve_instant_upstream(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_InstantUpstream, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of measurements; medians kept")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    parser.add_argument("--load-url", help=argparse.SUPPRESS)
    parser.add_argument("--load-headers", help=argparse.SUPPRESS)
    parser.add_argument("--instant-upstream-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.instant_upstream_port:  # we are the instant upstream's process
        asyncio.run(serve_instant_upstream(args.instant_upstream_port))
        return

    if args.load_url:  # we are the fallback load generator's process
        figures = asyncio.run(
            _python_load(
                args.load_url, json.loads(args.load_headers), args.connections[0], args.duration
            )
        )
        print(json.dumps(figures.__dict__))
        return

    use_wrk = not args.python_load and shutil.which("wrk") is not None
    load = run_wrk if use_wrk else run_python_load
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp:
        workdir = Path(tmp)
        nats = NatsServer(workdir / "nats")
        nats.start()
        processes = Processes(workdir)
        try:
            run(args, workdir, nats, processes, load, "wrk" if use_wrk else "python aiohttp")
        except Exception:
            for name in ("directory", "gateway", "nginx", "gateway-alone", "instant-upstream"):
                print(f"--- {name} log ---\n{processes.log_tail(name)}", file=sys.stderr)
            raise
        finally:
            processes.stop()
            nats.stop()


NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream directory {{
        server 127.0.0.1:{upstream_port};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://directory;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def start_nginx(workdir: Path, processes: Processes, upstream_port: int) -> tuple[str | None, str]:
    """nginx proxying to the directory, or (None, why not)."""
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if binary is None:
        return None, "nginx is not installed (Debian: apt-get install nginx-light): skipped"
    prefix = workdir / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, upstream_port=upstream_port))
    command = [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
    processes.start("nginx", command, os.environ.copy())
    wait_for_port(port, timeout=15)
    version = subprocess.run([binary, "-v"], check=False, capture_output=True, text=True)
    return f"http://127.0.0.1:{port}", version.stderr.strip()


def run(
    args: argparse.Namespace,
    workdir: Path,
    nats: NatsServer,
    processes: Processes,
    load: object,
    generator: str,
) -> None:
    secret = secrets.token_urlsafe(32)
    admin_key = secrets.token_urlsafe(24)
    directory_port, gateway_port = free_port(), free_port()
    directory_url = f"http://127.0.0.1:{directory_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    unreachable_rate = {"PER_MINUTE": "100000000", "BURST": "1000000"}
    env = {
        **os.environ,
        "MAILLAGE_NATS_URL": nats.url,
        "MAILLAGE_IDENTITY_SECRET": secret,
        "MAILLAGE_LOG_LEVEL": "WARNING",
        "MAILLAGE_DIRECTORY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'directory.db'}",
        "MAILLAGE_DIRECTORY_PORT": str(directory_port),
        "MAILLAGE_GATEWAY_PORT": str(gateway_port),
        "MAILLAGE_GATEWAY_DIRECTORY_URL": directory_url,
        "MAILLAGE_ADMIN_KEY": admin_key,
        # Rate limiting stays on (its cost is part of what is measured), per key and per
        # address, with rates one load generator cannot reach.
        **{
            f"MAILLAGE_GATEWAY_RATE_LIMIT_{who}_{what}": value
            for who in ("IP", "KEY")
            for what, value in unreachable_rate.items()
        },
        "MAILLAGE_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'gateway.db'}",
    }
    for service in ("directory", "gateway"):
        migrate = subprocess.run(
            [str(BIN / f"maillage-{service}"), "migrate"], env=env, capture_output=True, check=False
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"{service} migrate failed:\n{migrate.stderr.decode()[-3000:]}")
    processes.start("directory", [str(BIN / "maillage-directory"), "serve"], env)
    processes.start("gateway", [str(BIN / "maillage-gateway"), "serve"], env)
    # Start-up takes long on a loaded machine (2 cores shared with test suites).
    wait_for_port(directory_port, timeout=120)
    wait_for_port(gateway_port, timeout=120)
    wait_healthy(directory_url)
    wait_healthy(gateway_url)
    nginx_url, nginx_note = start_nginx(workdir, processes, directory_port)
    # A second gateway in front of an upstream that answers at once: what the gateway alone
    # can relay, and at what CPU cost, with no service to share the machine with.
    instant_port, alone_port = free_port(), free_port()
    processes.start(
        "instant-upstream",
        [sys.executable, __file__, "--instant-upstream-port", str(instant_port)],
        env,
    )
    alone_env = env | {
        "MAILLAGE_GATEWAY_PORT": str(alone_port),
        "MAILLAGE_GATEWAY_DIRECTORY_URL": f"http://127.0.0.1:{instant_port}",
    }
    processes.start("gateway-alone", [str(BIN / "maillage-gateway"), "serve"], alone_env)
    wait_for_port(instant_port, timeout=60)
    wait_for_port(alone_port, timeout=120)

    admin = {"authorization": f"Bearer {admin_key}"}
    created = httpx.post(
        f"{gateway_url}/v1/actors",
        json={"kind": "organisation", "name": "Muséum de Toulouse"},
        headers=admin,
        timeout=10,
    )
    if created.status_code != 201:
        raise RuntimeError(f"creating the actor failed: {created.status_code} {created.text}")
    key = httpx.post(
        f"{gateway_url}/v1/api-keys",
        json={"name": "bench reader", "role": "reader"},
        headers=admin,
        timeout=10,
    )
    if key.status_code != 201:
        raise RuntimeError(f"creating the API key failed: {key.status_code} {key.text}")
    path = f"/v1/actors/{created.json()['id']}"
    # The gateway is called with the reader key; nginx and the direct call carry the identity
    # the gateway signs for that key, so the directory does the same work in every case.
    reader = Identity(subject=key.json()["id"], role=Role.READER)
    signed = {IDENTITY_HEADER: IdentitySigner(secret, ttl_seconds=24 * 3600).sign(reader)}
    targets = {
        "direct": (directory_url + path, signed),
        "gateway": (gateway_url + path, {"authorization": f"Bearer {key.json()['key']}"}),
    }
    if nginx_url:
        targets["nginx"] = (nginx_url + path, signed)
    for url, headers in targets.values():
        check = httpx.get(url, headers=headers, timeout=10)
        if check.status_code != 200:
            raise RuntimeError(f"GET {url}: {check.status_code} {check.text}")

    print(f"GET {path}  load: {generator}, {args.duration:g}s x {args.rounds} rounds, medians")
    print(f"nginx: {nginx_note}")
    print(
        f"{'conns':>5}  {'target':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        f" {'proxy CPU ms/req':>17} {'directory CPU ms/req':>21}"
    )
    names = list(targets)
    # Whose CPU a target costs besides the directory's (none for direct).
    proxies = {"direct": None, "gateway": processes.pid("gateway")}
    if nginx_url:
        proxies["nginx"] = processes.pid("nginx")
    directory_pid = processes.pid("directory")
    for connections in args.connections:
        # Warm every path (connection pools, caches) before measuring.
        for url, headers in targets.values():
            load(url, headers, connections, 2.0)  # type: ignore[operator]
        runs: dict[str, list[Figures]] = {name: [] for name in names}
        cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        ratios: dict[str, list[float]] = {name: [] for name in names if name != "direct"}
        for round_ in range(args.rounds):
            # Measured in neighbouring groups, each round starting with another target: the
            # machine's noise drifts, and a ratio of neighbours holds better than one of
            # distant runs.
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            group: dict[str, Figures] = {}
            for target in order:
                url, headers = targets[target]
                proxy_pid = proxies[target]
                before = (cpu_seconds(proxy_pid) if proxy_pid else 0.0, cpu_seconds(directory_pid))
                figures = load(url, headers, connections, args.duration)  # type: ignore[operator]
                after = (cpu_seconds(proxy_pid) if proxy_pid else 0.0, cpu_seconds(directory_pid))
                requests = max(1.0, figures.requests_per_second * args.duration)
                cpu[target].append(
                    (
                        (after[0] - before[0]) * 1000 / requests,
                        (after[1] - before[1]) * 1000 / requests,
                    )
                )
                group[target] = figures
                runs[target].append(figures)
            for target, values in ratios.items():
                values.append(
                    group[target].requests_per_second / group["direct"].requests_per_second
                )
        medians = {
            target: Figures(
                requests_per_second=statistics.median(x.requests_per_second for x in figures),
                p50_ms=statistics.median(x.p50_ms for x in figures),
                p99_ms=statistics.median(x.p99_ms for x in figures),
                errors=sum(x.errors for x in figures),
            )
            for target, figures in runs.items()
        }
        for target, f in medians.items():
            proxy_ms = statistics.median(c[0] for c in cpu[target])
            directory_ms = statistics.median(c[1] for c in cpu[target])
            proxy_cpu = f"{proxy_ms:>17.3f}" if proxies[target] else f"{'-':>17}"
            print(
                f"{connections:>5}  {target:<8} {f.requests_per_second:>9.0f} "
                f"{f.p50_ms:>8.2f} {f.p99_ms:>8.2f} {f.errors:>6} {proxy_cpu} {directory_ms:>21.3f}"
            )
        for target, values in ratios.items():
            added = medians[target].p99_ms - medians["direct"].p99_ms
            print(
                f"{connections:>5}  {target}/direct: throughput {statistics.median(values):.2f} "
                f"(rounds: {', '.join(f'{r:.2f}' for r in values)}), p99 added {added:+.2f} ms"
            )

    alone_url = f"http://127.0.0.1:{alone_port}{path}"
    alone_pid = processes.pid("gateway-alone")
    print("gateway alone, before an upstream that answers at once (its own ceiling):")
    for connections in args.connections:
        load(alone_url, targets["gateway"][1], connections, 2.0)  # type: ignore[operator]
        alone: list[tuple[Figures, float]] = []
        for _ in range(args.rounds):
            before = cpu_seconds(alone_pid)
            figures = load(alone_url, targets["gateway"][1], connections, args.duration)  # type: ignore[operator]
            spent = cpu_seconds(alone_pid) - before
            requests = max(1.0, figures.requests_per_second * args.duration)
            alone.append((figures, spent * 1000 / requests))
        print(
            f"{connections:>5}  {'alone':<8} "
            f"{statistics.median(f.requests_per_second for f, _ in alone):>9.0f} "
            f"{statistics.median(f.p50_ms for f, _ in alone):>8.2f} "
            f"{statistics.median(f.p99_ms for f, _ in alone):>8.2f} "
            f"{sum(f.errors for f, _ in alone):>6} "
            f"{statistics.median(c for _, c in alone):>17.3f}"
        )


if __name__ == "__main__":
    main()
