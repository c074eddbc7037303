"""SSRF guard: an endpoint URL must be https and reach only public addresses.

Operators may allow listed hosts (``MAILLAGE_GATEWAY_WEBHOOK_ALLOWED_HOSTS``) for the embedded
run and tests; those may be plain http and private.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Labels made only of digits or 0x-hex: a host spelled as a number, which resolvers read as
# an IP address (``2130706433``, ``0x7f.1``, ``0177.0.0.1``).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why."""


def parse_allowed_hosts(value: str) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in value.split(",") if h.strip())


_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
# The first test an address fails names the reason (order matters: 0.0.0.0 is also private).
_REASONS: tuple[tuple[str, Callable[[IpAddress], bool]], ...] = (
    ("not a unicast public address", lambda a: a.is_unspecified),
    ("loopback", lambda a: a.is_loopback),
    ("link-local (cloud metadata lives there)", lambda a: a.is_link_local),
    ("unique-local IPv6", lambda a: a.version == 6 and a in _UNIQUE_LOCAL),
    ("private", lambda a: a.is_private),
    ("not a unicast public address", lambda a: a.is_multicast or a.is_reserved),
    ("not a public address", lambda a: not a.is_global),
)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped (``::ffff:a.b.c.d``), 6to4
    (``2002:AABB:CCDD::``), Teredo's client and NAT64 (``64:ff9b::a.b.c.d``)."""
    embedded = [address.ipv4_mapped, address.sixtofour]
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if address in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in embedded if a is not None]


def _refusal(address: IpAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        else:
            for inner in _embedded_ipv4(address):
                if (reason := _refusal(inner)) is not None:
                    return f"a tunnel to {inner}, which is {reason}"
    return next((reason for reason, test in _REASONS if test(address)), None)


def check_address(address: IpAddress) -> None:
    """Refuse an address that is not public."""
    reason = _refusal(address)
    if reason is not None:
        raise UnsafeUrl(f"{address} is {reason}")


def host_of(url: str, allowed_hosts: Collection[str]) -> tuple[str, bool]:
    """The host of ``url`` and whether it is allow-listed, or :class:`UnsafeUrl`."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        raise UnsafeUrl("not a valid URL") from exc
    del port
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials in the URL are not allowed")
    allowed = host in allowed_hosts
    if parts.scheme not in ({"https", "http"} if allowed else {"https"}):
        raise UnsafeUrl("must be https")
    return host, allowed


async def check_url(url: str, allowed_hosts: Collection[str]) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` may receive webhooks.

    Resolves the host (in a thread: ``getaddrinfo`` blocks) and refuses it if any address is
    not public, so a name cannot hide a private address among public ones.
    """
    host, allowed = host_of(url, allowed_hosts)
    if allowed:
        return
    labels = host.split(".")
    if all(_NUMERIC_LABEL.match(label) for label in labels):
        try:
            literal: IpAddress = ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise UnsafeUrl(f"{host} is an IP address in an unusual spelling") from exc
        check_address(literal)
        return
    try:
        check_address(ipaddress.ip_address(host))
        return
    except ValueError:
        pass  # a name: resolve it
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeUrl(f"{host} does not resolve") from exc
    for info in infos:
        check_address(ipaddress.ip_address(str(info[4][0]).split("%")[0]))


class PublicOnlyResolver(AbstractResolver):
    """The resolver of the delivery client: the addresses it checks are the addresses
    connected to, so a name cannot pass the check and then resolve elsewhere (DNS
    rebinding). Allow-listed hosts resolve unchecked."""

    def __init__(self, allowed_hosts: Collection[str]) -> None:
        self._inner = ThreadedResolver()
        self._allowed = frozenset(h.lower() for h in allowed_hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if host.lower() not in self._allowed:
            for result in results:
                check_address(ipaddress.ip_address(result["host"].split("%")[0]))
        return results

    async def close(self) -> None:
        await self._inner.close()
