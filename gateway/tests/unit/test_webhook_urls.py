from __future__ import annotations

import pytest

from gateway.webhooks.urls import PublicOnlyResolver, UnsafeUrl, check_url, parse_allowed_hosts


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "https"),
        ("ftp://93.184.215.14/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.1/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[fd12:3456::1]/hook", "unique-local"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        # IPv6 tunnels whose IPv4 end is inside: 6to4, Teredo, NAT64.
        ("https://[2002:a9fe:a9fe::1]/hook", "tunnel to 169.254.169.254, which is link-local"),
        ("https://[2002:7f00:1::]/hook", "tunnel to 127.0.0.1, which is loopback"),
        ("https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook", "tunnel to 10.0.0.1"),
        ("https://[64:ff9b::a00:1]/hook", "tunnel to 10.0.0.1, which is private"),
        ("https://2130706433/hook", "unusual spelling"),
        ("https://0x7f000001/hook", "unusual spelling"),
        ("https://0177.0.0.1/hook", "unusual spelling"),
        ("https://127.1/hook", "unusual spelling"),
        ("https://0.0.0.0/hook", "not"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
        ("https:///hook", "no host"),
    ],
)
async def test_unsafe_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        await check_url(url, frozenset())


async def test_a_public_https_address_is_accepted() -> None:
    await check_url("https://93.184.215.14/hook", frozenset())
    await check_url("https://[2606:4700::1111]/hook", frozenset())
    await check_url("https://[2002:5db8:d70e::1]/hook", frozenset())  # 6to4 to 93.184.215.14


async def test_allow_listed_hosts_may_be_plain_http_and_private() -> None:
    allowed = parse_allowed_hosts(" 127.0.0.1 , LocalHost,")

    assert allowed == {"127.0.0.1", "localhost"}
    await check_url("http://127.0.0.1:8123/hook", allowed)
    await check_url("https://localhost/hook", allowed)
    with pytest.raises(UnsafeUrl, match="loopback"):
        await check_url("https://[::1]/hook", allowed)


async def test_the_delivery_resolver_refuses_names_of_private_addresses() -> None:
    resolver = PublicOnlyResolver(frozenset())
    try:
        with pytest.raises(UnsafeUrl, match="loopback"):
            await resolver.resolve("localhost", 443)
    finally:
        await resolver.close()


async def test_the_delivery_resolver_lets_allow_listed_names_through() -> None:
    resolver = PublicOnlyResolver(frozenset({"localhost"}))
    try:
        results = await resolver.resolve("LocalHost", 443)
    finally:
        await resolver.close()

    assert results
    assert all(r["port"] == 443 for r in results)
