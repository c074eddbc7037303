"""Alembic environment of the events service (shared logic in kit.migrations)."""

from events.agenda import models as agenda_models  # noqa: F401 - registers the tables
from events.config import Settings
from events.db import Base
from events.organizers import models as organizer_models  # noqa: F401
from events.partners import models as partner_models  # noqa: F401
from events.registrations import models as registration_models  # noqa: F401
from events.search import models as search_models  # noqa: F401
from kit.migrations import run_env

run_env(Base.metadata, Settings().database_url)
