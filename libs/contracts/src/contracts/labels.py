"""French and English labels of every vocabulary code (served by ``GET /v1/vocabularies``)."""

from __future__ import annotations

from contracts.territory import DEPARTMENT_NAMES, REGION_NAMES

Labels = dict[str, tuple[str, str]]  # code → (fr, en)

CIRCLE: Labels = {
    "1": ("La CSTI est la mission première", "Science outreach is the primary mission"),
    "2": ("La CSTI est une activité annexe", "Science outreach is a secondary activity"),
    "3": (
        "Action ponctuelle, ou pas encore conscient d'appartenir au réseau",
        "Occasional, or not yet aware of belonging to the network",
    ),
}
CLUB: Labels = {
    "science_centres": ("Centres de sciences / CCSTI", "Science centres"),
    "museums": ("Musées de sciences et société", "Science and society museums"),
    "higher_education_research": (
        "Enseignement supérieur et recherche",
        "Higher education and research",
    ),
    "local_authorities": ("Collectivités", "Local authorities"),
    "associations": ("Associations", "Associations"),
}
ACTOR_TYPE: Labels = {
    "science_centre": ("Centre de sciences", "Science centre"),
    "museum": ("Musée", "Museum"),
    "natural_history_museum": ("Muséum d'histoire naturelle", "Natural history museum"),
    "university": ("Université", "University"),
    "research_organisation": ("Organisme de recherche", "Research organisation"),
    "laboratory": ("Laboratoire", "Laboratory"),
    "association": ("Association", "Association"),
    "popular_education": ("Éducation populaire", "Popular education"),
    "local_authority": ("Collectivité", "Local authority"),
    "library": ("Bibliothèque, médiathèque", "Library"),
    "leisure_centre": ("Centre de loisirs", "Leisure centre"),
    "school": ("Établissement scolaire", "School"),
    "company": ("Entreprise", "Company"),
    "natural_park": ("Parc naturel", "Natural park"),
    "heritage_site": ("Site patrimonial", "Heritage site"),
    "planetarium": ("Planétarium", "Planetarium"),
    "aquarium_zoo": ("Aquarium, zoo", "Aquarium, zoo"),
    "botanical_garden": ("Jardin botanique", "Botanical garden"),
    "fablab": ("Fab lab", "Fab lab"),
    "media": ("Média", "Media"),
    "environment_education": ("Éducation à l'environnement", "Environmental education"),
    "independent": ("Indépendant", "Independent"),
}
THEME: Labels = {
    "astronomy_space": ("Astronomie, espace", "Astronomy, space"),
    "biology": ("Biologie", "Biology"),
    "chemistry": ("Chimie", "Chemistry"),
    "physics": ("Physique", "Physics"),
    "mathematics": ("Mathématiques", "Mathematics"),
    "digital": ("Numérique", "Digital"),
    "environment": ("Environnement", "Environment"),
    "health": ("Santé", "Health"),
    "earth_sciences": ("Sciences de la Terre", "Earth sciences"),
    "engineering_technology": ("Ingénierie, techniques", "Engineering, technology"),
    "industry": ("Industrie", "Industry"),
    "human_social_sciences": ("Sciences humaines et sociales", "Human and social sciences"),
    "heritage": ("Patrimoine", "Heritage"),
    "energy": ("Énergie", "Energy"),
    "agriculture_food": ("Agriculture, alimentation", "Agriculture, food"),
    "sea_coast": ("Mer et littoral", "Sea and coast"),
    "critical_thinking": ("Esprit critique", "Critical thinking"),
    "science_society": ("Sciences et société", "Science and society"),
}
AUDIENCE: Labels = {
    "general_public": ("Grand public", "General public"),
    "families": ("Familles", "Families"),
    "children": ("Enfants", "Children"),
    "teenagers": ("Adolescents", "Teenagers"),
    "school_groups": ("Scolaires", "School groups"),
    "students": ("Étudiants", "Students"),
    "teachers": ("Enseignants", "Teachers"),
    "seniors": ("Seniors", "Seniors"),
    "professionals": ("Professionnels", "Professionals"),
    "disabled_people": ("Personnes en situation de handicap", "Disabled people"),
    "rural_public": ("Publics ruraux", "Rural public"),
}
ACTOR_KIND: Labels = {
    "organisation": ("Structure", "Organisation"),
    "person": ("Personne", "Person"),
}
ACTOR_STATUS: Labels = {
    "active": ("Active", "Active"),
    "archived": ("Archivée", "Archived"),
    "shadow": ("Pré-remplie, non revendiquée", "Pre-filled, not yet claimed"),
}
EVENT_KIND: Labels = {
    "forum": ("Forum", "Forum"),
    "seminar": ("Séminaire", "Seminar"),
    "training": ("Formation", "Training"),
    "workshop": ("Atelier", "Workshop"),
    "conference": ("Conférence", "Conference"),
    "exhibition": ("Exposition", "Exhibition"),
    "festival": ("Festival", "Festival"),
    "visit": ("Visite", "Visit"),
    "webinar": ("Webinaire", "Webinar"),
    "meeting": ("Rencontre", "Meeting"),
    "other": ("Autre", "Other"),
}

VOCABULARIES: dict[str, Labels] = {
    "circle": CIRCLE,
    "club": CLUB,
    "actor_type": ACTOR_TYPE,
    "theme": THEME,
    "audience": AUDIENCE,
    "actor_kind": ACTOR_KIND,
    "actor_status": ACTOR_STATUS,
    "event_kind": EVENT_KIND,
    # Proper names: the same in French and English.
    "department": {code: (name, name) for code, name in DEPARTMENT_NAMES.items()},
    "region": {code: (name, name) for code, name in REGION_NAMES.items()},
}
