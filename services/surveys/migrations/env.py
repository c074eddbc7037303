"""Alembic environment of the surveys service (shared logic in kit.migrations)."""

from kit.migrations import run_env
from surveys.actors import models as actor_models  # noqa: F401 - registers the tables
from surveys.config import Settings
from surveys.db import Base
from surveys.invitations import models as invitation_models  # noqa: F401
from surveys.questionnaires import models  # noqa: F401
from surveys.responses import models as response_models  # noqa: F401

run_env(Base.metadata, Settings().database_url)
