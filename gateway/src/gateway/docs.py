"""``/docs``: Swagger UI on the merged document, served by the gateway itself.

Its assets come from the ``swagger-ui-bundle-v2`` package (Swagger UI's own dist, versioned in
``uv.lock``), not from a CDN: the docs work offline, and an admin reading them with a key in
hand runs no third-party script. The page has no inline script (its start-up is
``/docs/init.js``), so its Content-Security-Policy allows scripts from this origin only and
lets the page fetch nothing but this origin (the document and "Try it out" calls).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from kit.pages.headers import CSP_HEADER

ASSETS_PATH = "/docs/assets"
INIT_SCRIPT = Path(__file__).parent / "static" / "docs-init.js"
#: Swagger UI's version, from the bundle's folder name (``swagger-ui-5.31.0``): assets are
#: addressed with it, so a new bundle is never served from a stale cache.
SWAGGER_UI_VERSION = Path(str(swagger_ui_path)).name.removeprefix("swagger-ui-")

DOCS_POLICY = (
    "default-src 'none'; "
    "script-src 'self'; "
    # Swagger UI sets its styles through the DOM, which the policy lets through: no
    # 'unsafe-inline' is needed (the browser test would see a refused style in the console).
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'"
)


def docs_html(title: str) -> str:
    version = escape(SWAGGER_UI_VERSION)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css?v={version}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{ASSETS_PATH}/swagger-ui-bundle.js?v={version}"></script>
  <script src="/docs/init.js?v={version}"></script>
</body>
</html>
"""


def install_docs(api: FastAPI, *, title: str) -> None:
    """Serve ``/docs``, its start-up script and Swagger UI's assets on ``api``."""
    page = docs_html(title)
    init_script = INIT_SCRIPT.read_bytes()

    @api.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={CSP_HEADER: DOCS_POLICY})

    @api.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(init_script, media_type="text/javascript; charset=utf-8")

    api.mount(ASSETS_PATH, StaticFiles(directory=Path(str(swagger_ui_path))), name="swagger-ui")
