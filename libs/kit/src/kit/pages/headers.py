"""Headers every HTML answer carries: Content-Security-Policy, nosniff, no referrer, no framing.

Pages rendered by :class:`kit.pages.PageTemplates` set their own policy (with a nonce for
any inline script they need); :class:`HtmlSecurityHeaders` adds the strict default to every
other HTML answer of the process and ``nosniff`` to every answer, so no HTML leaves a
Maillage process without them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HEADER = "content-security-policy"


def page_policy(nonce: str | None = None) -> str:
    """The policy of our pages: own stylesheet, no script unless nonce'd, forms post home.

    No third-party origin at all: pages work offline and leak nothing to a CDN. Personal
    links carry tokens in their path, hence no referrer leaves the page either (the
    ``Referrer-Policy`` header).
    """
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    return (
        "default-src 'none'; "
        f"script-src {script}; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; "
        "base-uri 'none'"
    )


#: Added to every HTML answer (and nosniff to every answer) unless it set its own.
HTML_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
NOSNIFF = (b"x-content-type-options", b"nosniff")


class HtmlSecurityHeaders:
    """Pure ASGI middleware adding the headers above to the answers that lack them."""

    def __init__(self, app: ASGIApp, *, policy: str | None = None) -> None:
        self.app = app
        self.policy = (policy or page_policy()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.secured(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def secured(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        if NOSNIFF[0] not in present:
            headers.append(NOSNIFF)
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        if content_type.lower().startswith(b"text/html"):
            if CSP_HEADER.encode() not in present:
                headers.append((CSP_HEADER.encode(), self.policy))
            headers.extend(h for h in HTML_HEADERS if h[0] not in present)
        return headers
