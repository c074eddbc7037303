"""Alembic environment of the directory service (shared logic in kit.migrations)."""

from directory.actors import models  # noqa: F401 - registers the tables
from directory.claims import models as claim_models  # noqa: F401
from directory.config import Settings
from directory.db import Base
from directory.imports import models as import_models  # noqa: F401
from directory.resources import models as resource_models  # noqa: F401
from kit.migrations import run_env

run_env(Base.metadata, Settings().database_url)
