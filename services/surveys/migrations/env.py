"""Alembic environment of the surveys service (shared logic in kit.migrations)."""

from kit.migrations import run_env
from surveys.actors import models as actor_models  # noqa: F401 - registers the tables
from surveys.config import Settings
from surveys.db import Base
from surveys.feedback import models as feedback_models  # noqa: F401
from surveys.indicators import models as indicator_models  # noqa: F401
from surveys.invitations import models as invitation_models  # noqa: F401
from surveys.questionnaires import models  # noqa: F401
from surveys.responses import models as response_models  # noqa: F401
from surveys.results import models as result_models  # noqa: F401

run_env(Base.metadata, Settings().database_url)
