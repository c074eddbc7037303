from __future__ import annotations

import pytest

from gateway.limits import RateLimits, TokenBuckets
from kit.identity import ANONYMOUS, Identity, Role


def test_a_bucket_allows_its_burst_then_refuses_until_it_refills() -> None:
    buckets = TokenBuckets(per_minute=60, burst=3)  # one token a second

    taken = [buckets.take("a", now=100.0) for _ in range(4)]

    assert [t.allowed for t in taken] == [True, True, True, False]
    assert [t.remaining for t in taken] == [2, 1, 0, 0]
    assert taken[-1].retry_after == 1
    assert taken[-1].reset_seconds == 3
    assert buckets.take("a", now=100.5).allowed is False
    assert buckets.take("a", now=101.0).allowed is True
    assert buckets.take("b", now=101.0).remaining == 2  # callers do not share a bucket


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    buckets = TokenBuckets(per_minute=600, burst=5)
    buckets.take("a", now=0.0)

    assert buckets.take("a", now=3600.0).remaining == 4


def test_headers_say_limit_remaining_reset_and_retry_after_on_refusal() -> None:
    buckets = TokenBuckets(per_minute=30, burst=1)  # a token every 2 s
    allowed = buckets.take("a", now=0.0)
    refused = buckets.take("a", now=0.0)

    assert dict(allowed.headers()) == {
        b"ratelimit-limit": b"1",
        b"ratelimit-remaining": b"0",
        b"ratelimit-reset": b"2",
    }
    assert dict(refused.headers())[b"retry-after"] == b"2"


def test_keys_are_limited_by_key_and_anonymous_callers_by_address() -> None:
    limits = RateLimits(
        by_key=TokenBuckets(per_minute=60, burst=1),
        by_address=TokenBuckets(per_minute=60, burst=2),
    )
    key = Identity(subject="key_1", role=Role.READER)

    assert limits.charge(key, "10.0.0.1") is not None
    assert limits.charge(key, "10.0.0.2").allowed is False  # type: ignore[union-attr]
    assert limits.charge(ANONYMOUS, "10.0.0.1").allowed is True  # type: ignore[union-attr]
    assert limits.charge(None, "10.0.0.1").allowed is True  # type: ignore[union-attr]
    assert limits.charge(None, "10.0.0.1").allowed is False  # type: ignore[union-attr]


def test_no_limit_configured_means_no_charge() -> None:
    limits = RateLimits(by_key=None, by_address=None)

    assert limits.charge(ANONYMOUS, "10.0.0.1") is None


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBuckets(per_minute=0, burst=1)
