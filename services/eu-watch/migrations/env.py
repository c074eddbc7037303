"""Alembic environment of the eu-watch service (shared logic in kit.migrations)."""

from eu_watch.actors import models as actor_models  # noqa: F401
from eu_watch.calls import models  # noqa: F401 - registers the tables
from eu_watch.config import Settings
from eu_watch.cordis import models as cordis_models  # noqa: F401
from eu_watch.db import Base
from eu_watch.follows import models as follow_models  # noqa: F401
from eu_watch.sources import models as source_models  # noqa: F401
from eu_watch.themes import models as theme_models  # noqa: F401
from eu_watch.watches import models as watch_models  # noqa: F401
from kit.migrations import run_env

run_env(Base.metadata, Settings().database_url)
