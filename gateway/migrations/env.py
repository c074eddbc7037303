"""Alembic environment of the gateway (shared logic in kit.migrations)."""

from gateway.api_keys import models  # noqa: F401 - registers the tables
from gateway.config import Settings
from gateway.db import Base
from gateway.partners import models as partner_models  # noqa: F401
from gateway.webhooks import models as webhook_models  # noqa: F401
from kit.migrations import run_env

run_env(Base.metadata, Settings().database_url)
