"""Events published by the surveys service.

The types are registered in :data:`EVENT_TYPES`, which :mod:`contracts.registry` collects.
``surveys.survey.opened`` still names its payload by the API's ``SurveyRead`` schema: its model
moves here with the surveys work (and the types of DOMAIN's list join it then).
"""

from __future__ import annotations

from contracts.event_type import EventType

STREAM = "SURVEYS"
SURVEY_OPENED = "surveys.survey.opened"

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(SURVEY_OPENED, "A survey opened for answers.", "SurveyRead", "surveys", STREAM),
)
