"""``maillage surveys invite``'s filters read as the audience the API takes, and how it
reports a mailing it stopped following."""

from __future__ import annotations

import io

import httpx
import pytest

from maillage_cli import surveys
from maillage_cli.surveys import audience_of


def test_filters_become_the_audience() -> None:
    assert audience_of(["type=museum", "type=library", "region=76", "circle=1", "member=oui"]) == {
        "type": ["museum", "library"],
        "region": ["76"],
        "circle": [1],
        "member": True,
    }
    assert audience_of(["member=false"]) == {"member": False}
    assert audience_of(["member=Non"]) == {"member": False}


@pytest.mark.parametrize(
    ("item", "words"),
    [
        # A typo must not turn "members" into "non-members" before a run --for-real.
        ("member=ture", "member=ture: true or false"),
        ("member=maybe", "member=maybe: true or false"),
        ("circle=first", "circle=first: 1, 2 or 3"),
        ("colour=red", "unknown filter 'colour'"),
        ("region", "'region' is not key=value"),
    ],
)
def test_a_filter_it_cannot_read_is_refused(item: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        audience_of([item])


async def test_the_mailing_is_left_to_the_outbox_once_the_follow_time_is_up() -> None:
    """``--follow`` bounds the wait: a mailing still going is reported as such."""
    summary = {
        "invitations": 5,
        "invited": 5,
        "partial": 0,
        "submitted": 0,
        "without_address": 0,
        "mail": {"to_send": 3, "sent": 1, "failed": 1, "suppressed": 0},
    }
    asked: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json=summary)

    transport = httpx.MockTransport(api)
    progress, out = io.StringIO(), io.StringIO()
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        last = await surveys.follow_mailing(client, "s1", progress=progress, within=0)
    surveys.mailing_report(last["mail"], out)
    assert asked == ["/v1/surveys/s1/invitations/summary"]
    assert progress.getvalue().rstrip().endswith(" 40% 2/5 messages")
    assert "mailed 1, failed 1, unsubscribed 0, still to send 3" in out.getvalue()
    assert "GET /v1/mail/surveys" in out.getvalue()
    assert "status=failed" in out.getvalue()
