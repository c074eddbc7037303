"""The proxy: what relays ``/v1/<segment>...`` and the services' pages to the service owning
them.

- ``relay.py``: :class:`~gateway.proxy.relay.Proxy`, the raw ASGI callable in front of the
  gateway's own FastAPI app (caller, signed identity, streamed bodies, its own problems).
- ``routing.py``: which service owns which path segment and page.
- ``breakers.py``: one circuit breaker per service (503 at once while a service is down).
- ``readiness.py``: asking a service's ``/readyz`` (``/readyz`` of the gateway, the breakers'
  watch).

Who the caller is and how much it may call (``gateway.callers``, ``gateway.limits``) and the
wrappers around the whole gateway (``gateway.cors``, ``gateway.page_problems``) serve the
gateway's own routes as well, so they stay beside this package.
"""
