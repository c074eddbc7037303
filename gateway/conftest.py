"""Keep ``import gateway`` pointing at the real package while pytest collects this folder.

With ``--import-mode=importlib`` pytest names test modules after their path from the root, so
``gateway/tests/...`` would register this folder as a namespace package called ``gateway`` and
hide ``gateway/src/gateway``. Put the real package back before any test module is imported.
"""

from __future__ import annotations

import sys

if not getattr(sys.modules.get("gateway"), "__file__", None):
    sys.modules.pop("gateway", None)
    import gateway  # noqa: F401
