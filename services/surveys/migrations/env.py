"""Alembic environment of the surveys service (shared logic in kit.migrations)."""

from kit.migrations import run_env
from surveys.config import Settings
from surveys.db import Base
from surveys.questionnaires import models  # noqa: F401 - registers the tables

run_env(Base.metadata, Settings().database_url)
