"""The shared vocabularies of DOMAIN.md: stable codes used by every service and partner."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Circle = Literal[1, 2, 3]


class ActorKind(StrEnum):
    ORGANISATION = "organisation"
    PERSON = "person"


class ActorStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    SHADOW = "shadow"


class Club(StrEnum):
    SCIENCE_CENTRES = "science_centres"
    MUSEUMS = "museums"
    HIGHER_EDUCATION_RESEARCH = "higher_education_research"
    LOCAL_AUTHORITIES = "local_authorities"
    ASSOCIATIONS = "associations"


class ActorType(StrEnum):
    SCIENCE_CENTRE = "science_centre"
    MUSEUM = "museum"
    NATURAL_HISTORY_MUSEUM = "natural_history_museum"
    UNIVERSITY = "university"
    RESEARCH_ORGANISATION = "research_organisation"
    LABORATORY = "laboratory"
    ASSOCIATION = "association"
    POPULAR_EDUCATION = "popular_education"
    LOCAL_AUTHORITY = "local_authority"
    LIBRARY = "library"
    LEISURE_CENTRE = "leisure_centre"
    SCHOOL = "school"
    COMPANY = "company"
    NATURAL_PARK = "natural_park"
    HERITAGE_SITE = "heritage_site"
    PLANETARIUM = "planetarium"
    AQUARIUM_ZOO = "aquarium_zoo"
    BOTANICAL_GARDEN = "botanical_garden"
    FABLAB = "fablab"
    MEDIA = "media"
    ENVIRONMENT_EDUCATION = "environment_education"
    INDEPENDENT = "independent"


class Theme(StrEnum):
    ASTRONOMY_SPACE = "astronomy_space"
    BIOLOGY = "biology"
    CHEMISTRY = "chemistry"
    PHYSICS = "physics"
    MATHEMATICS = "mathematics"
    DIGITAL = "digital"
    ENVIRONMENT = "environment"
    HEALTH = "health"
    EARTH_SCIENCES = "earth_sciences"
    ENGINEERING_TECHNOLOGY = "engineering_technology"
    INDUSTRY = "industry"
    HUMAN_SOCIAL_SCIENCES = "human_social_sciences"
    HERITAGE = "heritage"
    ENERGY = "energy"
    AGRICULTURE_FOOD = "agriculture_food"
    SEA_COAST = "sea_coast"
    CRITICAL_THINKING = "critical_thinking"
    SCIENCE_SOCIETY = "science_society"


class Audience(StrEnum):
    GENERAL_PUBLIC = "general_public"
    FAMILIES = "families"
    CHILDREN = "children"
    TEENAGERS = "teenagers"
    SCHOOL_GROUPS = "school_groups"
    STUDENTS = "students"
    TEACHERS = "teachers"
    SENIORS = "seniors"
    PROFESSIONALS = "professionals"
    DISABLED_PEOPLE = "disabled_people"
    RURAL_PUBLIC = "rural_public"


class EventKind(StrEnum):
    FORUM = "forum"
    SEMINAR = "seminar"
    TRAINING = "training"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"
    EXHIBITION = "exhibition"
    FESTIVAL = "festival"
    VISIT = "visit"
    WEBINAR = "webinar"
    MEETING = "meeting"
    OTHER = "other"


class AttendanceMode(StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    MOVED_ONLINE = "moved_online"
    POSTPONED = "postponed"
    FULL = "full"
    CANCELLED = "cancelled"


class EventState(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REFUSED = "refused"


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class CallStatus(StrEnum):
    FORTHCOMING = "forthcoming"
    OPEN = "open"
    CLOSED = "closed"
