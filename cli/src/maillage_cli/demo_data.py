"""Demo data: real actors of the CSTI networks named in the seed documents, and their events.

The Occitanie network's associations, its partners (Genopolys, the Muséum de Toulouse) and the
three regional networks it works with (Cap Sciences, Ombelliscience, Astu'Sciences), placed in
their real communes with INSEE codes. Events are those the network describes (the Lot forum,
the sea-and-coast forum, the escape-game professional day) plus a training session; dates
are in 2027 with their Europe/Paris offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OCCITANIE = "76"
NOUVELLE_AQUITAINE = "75"
HAUTS_DE_FRANCE = "32"
AUVERGNE_RHONE_ALPES = "84"


@dataclass(frozen=True)
class DemoActor:
    """An actor to create; ``key`` is how demo events name their organizers."""

    key: str
    payload: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.payload["name"])


@dataclass(frozen=True)
class DemoEvent:
    """An event to create once its organizers exist (``organizers`` are actor keys);
    ``registrants`` (name, e-mail) register through the API once it is created, in order."""

    organizers: tuple[str, ...]
    payload: dict[str, Any]
    registrants: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return str(self.payload["title"])


def _address(
    city: str,
    postcode: str,
    commune_insee: str,
    region: str,
    lat: float,
    lon: float,
    street: str | None = None,
) -> dict[str, Any]:
    address: dict[str, Any] = {
        "postcode": postcode,
        "city": city,
        "commune_insee": commune_insee,
        # The département is the start of the commune code (two characters in mainland).
        "department": commune_insee[:2],
        "region": region,
        "lat": lat,
        "lon": lon,
    }
    if street:
        address["street"] = street
    return address


#: Demo actors left without a public e-mail address (the invitation report's "unreachable").
WITHOUT_EMAIL = frozenset({"kimiyo", "lycee-de-la-mer-sete"})


def _organisation(
    key: str,
    name: str,
    *,
    types: list[str],
    circle: int,
    themes: list[str],
    audiences: list[str],
    clubs: list[str],
    description: str,
    address: dict[str, Any],
    acronym: str | None = None,
) -> DemoActor:
    payload: dict[str, Any] = {
        "kind": "organisation",
        "name": name,
        "types": types,
        "circle": circle,
        "themes": themes,
        "audiences": audiences,
        "clubs": clubs,
        "description": description,
        "address": address,
    }
    if acronym:
        payload["acronym"] = acronym
    if key not in WITHOUT_EMAIL:
        # A public address in the reserved example.org domain: survey invitations and
        # reminders reach the local mail sink (a few actors have none, so the invitation
        # report shows who cannot be reached).
        payload["email"] = f"contact@{key}.example.org"
    if circle in (1, 2):
        # The network's own actors are its members (what the EU watch matches calls to).
        payload["membership"] = {"member": True, "since": "2019-01-01"}
    return DemoActor(key, payload)


ACTORS: tuple[DemoActor, ...] = (
    _organisation(
        "a-ciel-ouvert",
        "A Ciel Ouvert",
        types=["association", "popular_education"],
        circle=1,
        themes=["astronomy_space", "environment"],
        audiences=["general_public", "families", "school_groups", "rural_public"],
        clubs=["associations"],
        description="Association d'éducation populaire à l'astronomie, experte du territoire "
        "gersois : soirées d'observation, ateliers scolaires, formation d'animateurs.",
        address=_address("Fleurance", "32500", "32132", OCCITANIE, 43.8483, 0.6633),
    ),
    _organisation(
        "carrefour-sciences-arts",
        "Carrefour des Sciences et des Arts",
        acronym="CSA",
        types=["association", "science_centre"],
        circle=1,
        themes=["science_society", "environment", "heritage"],
        audiences=["general_public", "rural_public", "school_groups"],
        clubs=["associations"],
        description="Centre de culture scientifique du Lot : médiation sur les marchés, dans "
        "les médiathèques et les cinémas, animation du réseau lotois.",
        address=_address("Cahors", "46000", "46042", OCCITANIE, 44.4475, 1.4419),
    ),
    _organisation(
        "cist",
        "Centre de l'Imaginaire Scientifique et Technique",
        acronym="CIST",
        types=["association"],
        circle=1,
        themes=["human_social_sciences", "heritage", "science_society"],
        audiences=["general_public", "school_groups", "teenagers"],
        clubs=["associations"],
        description="Arts, sciences et science-fiction : expositions, festivals et objets "
        "mystérieux de science, en Cœur d'Hérault et dans toute l'Occitanie.",
        address=_address("Lodève", "34700", "34142", OCCITANIE, 43.7317, 3.3194),
    ),
    _organisation(
        "delires-d-encre",
        "Délires d'encre",
        types=["association", "media"],
        circle=1,
        themes=["science_society", "critical_thinking"],
        audiences=["children", "teenagers", "families", "teachers"],
        clubs=["associations"],
        description="Sciences et livres : festival, prix littéraire et ateliers avec les "
        "bibliothèques de Haute-Garonne et au-delà.",
        address=_address("Toulouse", "31000", "31555", OCCITANIE, 43.6045, 1.4440),
    ),
    _organisation(
        "ecole-de-l-adn",
        "L'École de l'ADN",
        types=["association", "laboratory"],
        circle=1,
        themes=["biology", "health"],
        audiences=["school_groups", "students", "teachers", "general_public"],
        clubs=["associations"],
        description="Laboratoire de pratique des biotechnologies ouvert aux scolaires et au "
        "grand public, à Nîmes.",
        address=_address("Nîmes", "30000", "30189", OCCITANIE, 43.8367, 4.3601),
    ),
    _organisation(
        "fermat-science",
        "Fermat Science",
        types=["association", "heritage_site"],
        circle=1,
        themes=["mathematics", "heritage"],
        audiences=["general_public", "school_groups", "families"],
        clubs=["associations"],
        description="Les mathématiques dans la maison natale de Pierre de Fermat : "
        "expositions, jeux mathématiques et animations dans le Tarn-et-Garonne.",
        address=_address("Beaumont-de-Lomagne", "82500", "82013", OCCITANIE, 43.8828, 0.9881),
    ),
    _organisation(
        "kimiyo",
        "Kimiyo",
        types=["association", "environment_education"],
        circle=1,
        themes=["chemistry", "environment"],
        audiences=["school_groups", "general_public", "families"],
        clubs=["associations"],
        description="Chimie et développement durable : ateliers et animations dans l'Hérault, "
        "en lien avec les réseaux d'éducation à l'environnement.",
        address=_address("Montpellier", "34000", "34172", OCCITANIE, 43.6108, 3.8767),
    ),
    _organisation(
        "planete-sciences-occitanie",
        "Planète Sciences Occitanie",
        types=["association", "popular_education"],
        circle=1,
        themes=["astronomy_space", "engineering_technology", "environment"],
        audiences=["children", "teenagers", "school_groups"],
        clubs=["associations"],
        description="Loisirs scientifiques et techniques pour les jeunes : fusées, robotique, "
        "astronomie ; formation des animateurs de centres de loisirs.",
        address=_address("Ramonville-Saint-Agne", "31520", "31446", OCCITANIE, 43.5461, 1.4786),
    ),
    _organisation(
        "genopolys",
        "Genopolys",
        types=["science_centre", "laboratory"],
        circle=1,
        themes=["biology", "health"],
        audiences=["school_groups", "teachers", "students"],
        clubs=["higher_education_research"],
        description="Centre de ressources en sciences du vivant : travaux pratiques, jeux et "
        "escape games pédagogiques pour les élèves et leurs enseignants.",
        address=_address("Montpellier", "34090", "34172", OCCITANIE, 43.6370, 3.8620),
    ),
    _organisation(
        "museum-toulouse",
        "Muséum de Toulouse",
        types=["natural_history_museum", "museum"],
        circle=1,
        themes=["biology", "earth_sciences", "environment"],
        audiences=["general_public", "families", "school_groups", "disabled_people"],
        clubs=["museums", "local_authorities"],
        description="Muséum d'histoire naturelle de la ville de Toulouse : collections, "
        "expositions temporaires et jardins botaniques.",
        address=_address(
            "Toulouse",
            "31000",
            "31555",
            OCCITANIE,
            43.5938,
            1.4494,
            street="35 allées Jules Guesde",
        ),
    ),
    _organisation(
        "mediatheque-cabanis",
        "Médiathèque José Cabanis",
        types=["library", "local_authority"],
        circle=2,
        themes=["science_society", "digital"],
        audiences=["general_public", "families", "teenagers"],
        clubs=["local_authorities"],
        description="Grande médiathèque de Toulouse : rencontres sciences et livres, "
        "expositions et ateliers numériques.",
        address=_address("Toulouse", "31500", "31555", OCCITANIE, 43.6110, 1.4540),
    ),
    _organisation(
        "lycee-de-la-mer-sete",
        "Lycée de la Mer Paul Bousquet",
        types=["school"],
        circle=3,
        themes=["sea_coast", "environment"],
        audiences=["teenagers", "school_groups"],
        clubs=[],
        description="Lycée professionnel maritime de Sète : pêche, cultures marines, "
        "navigation ; partenaire du Forum Mer et Littoral.",
        address=_address("Sète", "34200", "34301", OCCITANIE, 43.4028, 3.6969),
    ),
    _organisation(
        "cap-sciences",
        "Cap Sciences",
        types=["science_centre"],
        circle=1,
        themes=["science_society", "digital", "engineering_technology"],
        audiences=["general_public", "families", "school_groups"],
        clubs=["science_centres"],
        description="Centre de culture scientifique, technique et industrielle de Bordeaux, "
        "tête du réseau néo-aquitain.",
        address=_address(
            "Bordeaux",
            "33300",
            "33063",
            NOUVELLE_AQUITAINE,
            44.8597,
            -0.5561,
            street="Hangar 20, quai de Bacalan",
        ),
    ),
    _organisation(
        "ombelliscience",
        "Ombelliscience",
        types=["association", "science_centre"],
        circle=1,
        themes=["science_society", "environment"],
        audiences=["general_public", "professionals"],
        clubs=["science_centres", "associations"],
        description="Centre de ressources et tête du réseau de la culture scientifique en "
        "Hauts-de-France.",
        address=_address("Amiens", "80000", "80021", HAUTS_DE_FRANCE, 49.8940, 2.2958),
    ),
    _organisation(
        "astusciences",
        "Astu'Sciences",
        types=["association", "science_centre"],
        circle=1,
        themes=["science_society", "physics"],
        audiences=["general_public", "school_groups", "professionals"],
        clubs=["science_centres", "associations"],
        description="Réseau de la culture scientifique en Auvergne : Fête de la science, "
        "expositions itinérantes, accompagnement des acteurs.",
        address=_address(
            "Clermont-Ferrand", "63000", "63113", AUVERGNE_RHONE_ALPES, 45.7772, 3.0870
        ),
    ),
)


def _location(
    name: str,
    city: str,
    postcode: str,
    commune_insee: str,
    *,
    street: str | None = None,
    at: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A place; with ``at`` (lat, lon) it is on the map at the address (``geo_precision``
    ``address``), without at its commune's centre (``commune``)."""
    location: dict[str, Any] = {
        "name": name,
        "city": city,
        "postcode": postcode,
        "commune_insee": commune_insee,
        "department": commune_insee[:2],
    }
    if street:
        location["street"] = street
    if at:
        location["lat"], location["lon"] = at
    return location


def _people(prefix: str, count: int) -> tuple[tuple[str, str], ...]:
    """Demo registrants (addresses of the reserved example.org domain)."""
    return tuple(
        (f"Participant·e {prefix} {n}", f"{prefix}-{n}@example.org") for n in range(1, count + 1)
    )


#: Registration on this platform, confirmed at once for the demo's staff-made registrations.
def _internal(capacity: int, *, waitlist: bool = True) -> dict[str, Any]:
    return {"mode": "internal", "capacity": capacity, "waitlist": waitlist}


EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent(
        ("carrefour-sciences-arts",),
        {
            "title": "Forum lotois de la culture, de la médiation et de la CSTI",
            "kind": "forum",
            "summary": "Acteurs de la culture, de la médiation et de la CSTI du Lot se "
            "rencontrent pour monter des projets ensemble.",
            "description": "Une journée pour se connaître entre structures culturelles, "
            "bibliothèques, musées et associations de culture scientifique : place des "
            "initiatives, ateliers d'échange de pratiques, temps de partenariats.",
            "timings": [{"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T17:30:00+01:00"}],
            "attendance_mode": "offline",
            "location": _location("Espace Clément Marot", "Cahors", "46000", "46042"),
            "themes": ["science_society", "heritage"],
            "audiences": ["professionals"],
        },
    ),
    DemoEvent(
        ("kimiyo", "lycee-de-la-mer-sete"),
        {
            "title": "Forum Mer et Littoral",
            "kind": "forum",
            "summary": "Médiateurs scientifiques, acteurs du tourisme et de l'éducation à "
            "l'environnement autour du littoral méditerranéen.",
            "description": "Tables rondes sur l'érosion du trait de côte et la biodiversité "
            "marine, visites de terrain et bourse aux partenariats.",
            "timings": [{"start": "2027-05-20T09:30:00+02:00", "end": "2027-05-20T17:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location("Lycée de la Mer Paul Bousquet", "Sète", "34200", "34301"),
            "themes": ["sea_coast", "environment"],
            "audiences": ["professionals", "teachers"],
        },
    ),
    DemoEvent(
        ("genopolys", "ecole-de-l-adn"),
        {
            "title": "Journée professionnelle « Escape game pédagogique »",
            "kind": "workshop",
            "summary": "Concevoir et animer un escape game pour faire découvrir les sciences.",
            "description": "Tester des jeux existants, comprendre leurs ressorts pédagogiques "
            "et repartir avec une trame de scénario ; ouverte à tous les acteurs de "
            "l'éducation et de la culture.",
            "timings": [{"start": "2027-04-08T09:00:00+02:00", "end": "2027-04-08T17:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location("Genopolys", "Montpellier", "34090", "34172"),
            "themes": ["biology", "science_society"],
            "audiences": ["professionals", "teachers"],
        },
    ),
    DemoEvent(
        ("a-ciel-ouvert", "planete-sciences-occitanie"),
        {
            "title": "Formation : animer une soirée d'observation du ciel en milieu rural",
            "kind": "training",
            "summary": "Deux jours pour préparer, animer et sécuriser une soirée "
            "d'astronomie avec le grand public.",
            "description": "Repérage du ciel, utilisation d'un télescope, médiation auprès "
            "des familles et des centres de loisirs ; formation gratuite pour les acteurs "
            "du réseau.",
            "timings": [
                {"start": "2027-02-04T14:00:00+01:00", "end": "2027-02-04T23:00:00+01:00"},
                {"start": "2027-02-05T09:00:00+01:00", "end": "2027-02-05T17:00:00+01:00"},
            ],
            "attendance_mode": "offline",
            "location": _location(
                "Salle des fêtes",
                "Fleurance",
                "32500",
                "32132",
                street="Place de la République",
                at=(43.8479, 0.6626),
            ),
            "themes": ["astronomy_space"],
            "audiences": ["professionals"],
            "registration": _internal(16),
            "training": {
                "objectives": [
                    "Repérer les constellations et les objets du ciel visibles à l'œil nu",
                    "Mettre en station et utiliser un télescope devant un public",
                    "Préparer et sécuriser une soirée d'observation en milieu rural",
                ],
                "trainers": [{"name": "Équipe d'A Ciel Ouvert"}],
                "prerequisites": ["Aucun : ouverte aux animateurs du réseau"],
                "sessions": [
                    {
                        "title": "Le ciel et le télescope (après-midi et soirée d'observation)",
                        "timings": [
                            {
                                "start": "2027-02-04T14:00:00+01:00",
                                "end": "2027-02-04T23:00:00+01:00",
                            }
                        ],
                    },
                    {
                        "title": "Animer une soirée avec le public",
                        "timings": [
                            {
                                "start": "2027-02-05T09:00:00+01:00",
                                "end": "2027-02-05T17:00:00+01:00",
                            }
                        ],
                    },
                ],
            },
        },
        registrants=_people("formation", 6),
    ),
    DemoEvent(
        ("museum-toulouse", "delires-d-encre"),
        {
            "title": "Forum régional de la CSTI et sa place des initiatives",
            "kind": "forum",
            "summary": "Le rendez-vous annuel du réseau : partenariats, financements et "
            "diffusion de la charte du réseau.",
            "description": "Table ronde sur la recherche de financements, place des "
            "initiatives où les structures présentent leurs projets, ateliers pour répondre "
            "ensemble aux appels à projets.",
            "timings": [{"start": "2027-06-10T09:00:00+02:00", "end": "2027-06-10T18:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location("Muséum de Toulouse", "Toulouse", "31000", "31555"),
            "themes": ["science_society"],
            "audiences": ["professionals"],
            "registration": _internal(120),
        },
        registrants=_people("forum-regional", 4),
    ),
    # A small visit, full, with people waiting: the waitlist at work (3 seats, 5 people).
    DemoEvent(
        ("genopolys",),
        {
            "title": "Visite des laboratoires de Genopolys",
            "kind": "visit",
            "summary": "Une visite en petit groupe des plateformes de recherche en biologie.",
            "description": "Trois places seulement : les suivants sont inscrits en liste "
            "d'attente et prennent la place de qui se désiste.",
            "timings": [{"start": "2027-04-15T14:00:00+02:00", "end": "2027-04-15T16:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location(
                "Genopolys",
                "Montpellier",
                "34090",
                "34172",
                street="141 rue de la Cardonille",
                at=(43.6381, 3.8447),
            ),
            "themes": ["biology", "health"],
            "audiences": ["general_public", "students"],
            "registration": _internal(3),
        },
        registrants=_people("visite", 5),
    ),
    DemoEvent(
        ("cist",),
        {
            "title": "Séminaire « Médiation et esprit critique »",
            "kind": "seminar",
            "summary": "Une journée d'étude entre chercheurs et médiateurs sur l'esprit critique.",
            "timings": [{"start": "2027-10-14T09:30:00+02:00", "end": "2027-10-14T17:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location(
                "Centre de l'Imaginaire Scientifique", "Lodève", "34700", "34142"
            ),
            "themes": ["critical_thinking", "science_society"],
            "audiences": ["professionals", "students"],
        },
    ),
    DemoEvent(
        ("fermat-science",),
        {
            "title": "Conférence « Fermat et les nombres premiers »",
            "kind": "conference",
            "summary": "Une heure pour comprendre le petit théorème de Fermat.",
            "timings": [{"start": "2027-11-18T18:30:00+01:00", "end": "2027-11-18T20:00:00+01:00"}],
            "attendance_mode": "offline",
            "location": _location(
                "Maison natale de Pierre de Fermat",
                "Beaumont-de-Lomagne",
                "82500",
                "82013",
                street="3 rue Pierre de Fermat",
                at=(43.8826, 0.9886),
            ),
            "themes": ["mathematics"],
            "audiences": ["general_public"],
            "registration": _internal(40),
        },
        registrants=_people("conference", 2),
    ),
    DemoEvent(
        ("museum-toulouse",),
        {
            "title": "Exposition « Océans, un monde à protéger »",
            "kind": "exhibition",
            "summary": "L'exposition temporaire du Muséum sur la vie marine.",
            "timings": [{"start": "2027-09-18T10:00:00+02:00", "end": "2027-12-20T18:00:00+01:00"}],
            "attendance_mode": "offline",
            "location": _location(
                "Muséum de Toulouse",
                "Toulouse",
                "31400",
                "31555",
                street="35 allées Jules Guesde",
                at=(43.5940, 1.4491),
            ),
            "themes": ["sea_coast", "biology", "environment"],
            "audiences": ["general_public", "families", "school_groups"],
        },
    ),
    DemoEvent(
        ("carrefour-sciences-arts", "delires-d-encre"),
        {
            "title": "Fête de la science dans le Lot",
            "kind": "festival",
            "summary": "Dix jours d'ateliers, de spectacles et de rencontres partout dans le Lot.",
            "timings": [{"start": "2027-10-01T09:00:00+02:00", "end": "2027-10-11T18:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location("Place François-Mitterrand", "Cahors", "46000", "46042"),
            "themes": ["science_society"],
            "audiences": ["general_public", "families", "school_groups"],
        },
    ),
    DemoEvent(
        ("planete-sciences-occitanie",),
        {
            "title": "Webinaire : financer un projet de culture scientifique",
            "kind": "webinar",
            "summary": "Les appels à projets régionaux et européens expliqués en une heure.",
            "timings": [{"start": "2027-03-02T12:30:00+01:00", "end": "2027-03-02T13:30:00+01:00"}],
            "attendance_mode": "online",
            "online_url": "https://visio.example.org/financer-un-projet",
            "themes": ["science_society"],
            "audiences": ["professionals"],
            "registration": _internal(100, waitlist=False),
        },
        registrants=_people("webinaire", 3),
    ),
    DemoEvent(
        ("ombelliscience", "cap-sciences", "astusciences"),
        {
            "title": "Réunion des réseaux régionaux de CSTI",
            "kind": "meeting",
            "summary": "Les têtes de réseau se retrouvent pour préparer l'année.",
            "timings": [{"start": "2027-01-21T10:00:00+01:00", "end": "2027-01-21T16:00:00+01:00"}],
            "attendance_mode": "mixed",
            "online_url": "https://visio.example.org/reseaux",
            "location": _location(
                "Cap Sciences",
                "Bordeaux",
                "33300",
                "33063",
                street="Hangar 20, quai de Bacalan",
                at=(44.8590, -0.5528),
            ),
            "themes": ["science_society"],
            "audiences": ["professionals"],
        },
    ),
    DemoEvent(
        ("mediatheque-cabanis",),
        {
            "title": "Troc de livres scientifiques",
            "kind": "other",
            "summary": "Apportez un livre de science, repartez avec un autre.",
            "timings": [{"start": "2027-05-29T10:00:00+02:00", "end": "2027-05-29T13:00:00+02:00"}],
            "attendance_mode": "offline",
            "location": _location("Médiathèque José Cabanis", "Toulouse", "31500", "31555"),
            "themes": ["science_society"],
            "audiences": ["general_public", "families"],
        },
    ),
)


#: The network's survey of its actors, in three waves of one series (the observatory compares
#: them): 2024 and 2025 closed, published and answered by most demo actors, 2026 open with a
#: few responses submitted and a few begun.
SURVEY_SERIES = "enquete-acteurs"


def actors_survey(year: int) -> dict[str, Any]:
    """The questionnaire of one wave of "Enquête acteurs de la CSTI"."""
    return {
        "title": {
            "fr": f"Enquête acteurs de la CSTI {year}",
            "en": f"Survey of science-culture actors {year}",
        },
        "series": SURVEY_SERIES,
        "languages": ["fr", "en"],
        "sections": [
            {
                "code": "structure",
                "title": {"fr": "Votre structure", "en": "Your organisation"},
                "questions": [
                    {
                        "code": "staff",
                        "type": "integer",
                        "label": {"fr": "Salariés (ETP)", "en": "Staff (FTE)"},
                        "min": 0,
                        "max": 5000,
                        "required": True,
                    },
                    {
                        "code": "volunteers",
                        "type": "yes_no",
                        "label": {
                            "fr": "Travaillez-vous avec des bénévoles ?",
                            "en": "Do you work with volunteers?",
                        },
                    },
                    {
                        "code": "volunteer_count",
                        "type": "integer",
                        "label": {"fr": "Combien de bénévoles ?", "en": "How many volunteers?"},
                        "min": 0,
                        "show_if": {"q": "volunteers", "op": "eq", "value": True},
                    },
                ],
            },
            {
                "code": "activity",
                "title": {"fr": "Vos activités", "en": "Your activities"},
                "questions": [
                    {
                        "code": "activities",
                        "type": "multiple_choice",
                        "label": {"fr": "Activités menées", "en": "Activities"},
                        "allow_other": True,
                        "choices": [
                            {
                                "code": "exhibitions",
                                "label": {"fr": "Expositions", "en": "Exhibitions"},
                            },
                            {"code": "workshops", "label": {"fr": "Ateliers", "en": "Workshops"}},
                            {"code": "conferences", "label": {"fr": "Conférences", "en": "Talks"}},
                            {"code": "trainings", "label": {"fr": "Formations", "en": "Trainings"}},
                        ],
                    },
                    {
                        "code": "budget",
                        "type": "split",
                        "label": {"fr": "Répartition du budget", "en": "Budget split"},
                        "choices": [
                            {"code": "mediation", "label": {"fr": "Médiation", "en": "Outreach"}},
                            {"code": "staff", "label": {"fr": "Salaires", "en": "Salaries"}},
                            {"code": "other", "label": {"fr": "Autres", "en": "Other"}},
                        ],
                    },
                    {
                        "code": "recommend",
                        "type": "scale",
                        "preset": "nps",
                        "label": {
                            "fr": "Recommanderiez-vous le réseau à une structure voisine ?",
                            "en": "Would you recommend the network to a neighbour?",
                        },
                        "min_label": {"fr": "Pas du tout", "en": "Not at all"},
                        "max_label": {"fr": "Tout à fait", "en": "Absolutely"},
                        "required": True,
                    },
                ],
            },
        ],
    }


def actors_survey_answers(position: int, year: int) -> dict[str, Any]:
    """Plausible answers of the ``position``-th demo actor (deterministic, varied)."""
    staff = [2, 5, 12, 1, 3, 8, 0, 4, 25, 60, 3, 15, 40, 9, 6][position % 15]
    activities = [
        ["exhibitions", "workshops"],
        ["workshops", "conferences"],
        ["exhibitions", "trainings"],
        ["workshops"],
    ][position % 4]
    mediation = 30 + (position * 7) % 40
    return {
        # A little growth from wave to wave, so the observatory's lines move.
        "staff": max(0, staff + (position % 3 == 0) * (year - 2025)),
        "volunteers": position % 2 == 0,
        **({"volunteer_count": 5 + position * 3} if position % 2 == 0 else {}),
        "activities": activities,
        "budget": {"mediation": mediation, "staff": 100 - mediation - 10, "other": 10},
        "recommend": [9, 10, 8, 7, 9, 6, 10, 9, 8, 5, 9, 10, 7, 9, 8][position % 15],
    }


def observatory_indicators() -> list[dict[str, Any]]:
    """The indicators of the "Enquête acteurs" series: four public (the NPS, with only 12
    respondents, shows what a withheld figure looks like), one for staff only."""
    return [
        {
            "name": {
                "fr": "Part des acteurs qui proposent des ateliers",
                "en": "Share of actors who run workshops",
            },
            "series": SURVEY_SERIES,
            "question": "activities",
            "measure": "share",
            "answers": ["workshops"],
            "unit": "%",
            "public": True,
        },
        {
            "name": {
                "fr": "Part des acteurs qui accueillent des bénévoles",
                "en": "Share of actors with volunteers",
            },
            "series": SURVEY_SERIES,
            "question": "volunteers",
            "measure": "share",
            "answers": ["yes"],
            "unit": "%",
            "public": True,
        },
        {
            "name": {"fr": "Salariés par structure (moyenne, ETP)", "en": "Staff per actor (mean)"},
            "series": SURVEY_SERIES,
            "question": "staff",
            "measure": "mean",
            "unit": "ETP",
            "public": True,
        },
        {
            "name": {"fr": "Recommandation du réseau (NPS)", "en": "Network recommendation (NPS)"},
            "series": SURVEY_SERIES,
            "question": "recommend",
            "measure": "nps",
            "unit": "NPS",
            "public": True,
        },
        {
            "name": {"fr": "Salariés par structure (médiane, interne)", "en": "Staff (median)"},
            "series": SURVEY_SERIES,
            "question": "staff",
            "measure": "median",
            "unit": "ETP",
            "public": False,
        },
    ]


# -- EU watch ---------------------------------------------------------------------------------

#: (actor key, topic identifier, address): a demo member follows a demo call, reminded 30
#: and 7 days before its cut-off.
DEMO_FOLLOW = ("a-ciel-ouvert", "HORIZON-CL4-2027-SPACE-01-71", "veille@acielouvert.example.org")


def demo_watches(actor_ids: dict[str, str]) -> list[dict[str, Any]]:
    """A member's immediate watch on its themes, and the network's weekly digest of calls on
    science and society (by mail, and as events for the network's webhooks)."""
    watches: list[dict[str, Any]] = [
        {
            "name": "Réseau : sciences et société",
            "themes": ["science_society"],
            "frequency": "weekly",
            "channels": ["email", "webhook"],
            "email": "veille@reseau-csti.example.org",
        }
    ]
    if "a-ciel-ouvert" in actor_ids:
        watches.append(
            {
                "name": "Astronomie et environnement",
                "actor_id": actor_ids["a-ciel-ouvert"],
                "themes": ["astronomy_space", "environment"],
                "frequency": "immediate",
                "channels": ["email"],
                "email": DEMO_FOLLOW[2],
            }
        )
    return watches
