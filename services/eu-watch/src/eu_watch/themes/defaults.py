"""The mapping shipped with Maillage: for each network theme, the portal's keywords,
cross-cutting priorities and programme parts (division, destination, programme) that give a
call that theme. Terms are matched as whole words, accents and case aside, and a final s
allowed (``ocean`` finds *Oceans*, ``sea`` never finds *research*). Staff adjust it with
``PUT /v1/calls/themes/{theme}``; the migration seeds the table from here once.
"""

from __future__ import annotations

from typing import TypedDict


class ThemeTerms(TypedDict):
    keywords: list[str]
    priorities: list[str]
    programme_parts: list[str]


DEFAULT_MAPPING: dict[str, ThemeTerms] = {
    "astronomy_space": {
        "keywords": [
            "space",
            "astronomy",
            "astrophysics",
            "satellite",
            "earth observation",
            "espace",
            "astronomie",
        ],
        "priorities": [],
        "programme_parts": ["Space"],
    },
    "biology": {
        "keywords": [
            "biology",
            "life sciences",
            "genomics",
            "microbiome",
            "biologie",
            "biodiversity",
            "biodiversité",
        ],
        "priorities": [],
        "programme_parts": ["Biodiversity and ecosystem services"],
    },
    "chemistry": {
        "keywords": ["chemistry", "chemical", "chemicals", "chimie"],
        "priorities": [],
        "programme_parts": [],
    },
    "physics": {
        "keywords": ["physics", "quantum", "photonics", "physique"],
        "priorities": [],
        "programme_parts": [],
    },
    "mathematics": {
        "keywords": ["mathematics", "mathématiques", "maths"],
        "priorities": [],
        "programme_parts": [],
    },
    "digital": {
        "keywords": [
            "digital",
            "artificial intelligence",
            "data",
            "computing",
            "cybersecurity",
            "numérique",
            "intelligence artificielle",
        ],
        "priorities": ["Digital Agenda", "Artificial Intelligence"],
        "programme_parts": ["Digital, Industry and Space", "Digital Europe Programme (DIGITAL)"],
    },
    "environment": {
        "keywords": [
            "climate",
            "climate change",
            "environment",
            "pollution",
            "circular economy",
            "biodiversity",
            "environnement",
            "climat",
            "transition écologique",
        ],
        "priorities": ["Climate change", "Green Deal"],
        "programme_parts": [
            "Food, Bioeconomy, Natural Resources, Agriculture and Environment",
            "Programme for the Environment and Climate Action (LIFE)",
            "Mission Adaptation to Climate Change",
        ],
    },
    "health": {
        "keywords": ["health", "disease", "medicine", "cancer", "well-being", "santé"],
        "priorities": [],
        "programme_parts": ["Health", "Mission Cancer"],
    },
    "earth_sciences": {
        "keywords": [
            "geology",
            "geosciences",
            "natural hazards",
            "earth system",
            "géologie",
            "volcano",
            "earthquake",
        ],
        "priorities": [],
        "programme_parts": [],
    },
    "engineering_technology": {
        "keywords": ["engineering", "robotics", "advanced materials", "ingénierie", "technologie"],
        "priorities": [],
        "programme_parts": [],
    },
    "industry": {
        "keywords": ["industry", "industrial", "manufacturing", "industrie"],
        "priorities": [],
        "programme_parts": ["Digital, Industry and Space"],
    },
    "human_social_sciences": {
        "keywords": [
            "social sciences",
            "humanities",
            "democracy",
            "inclusion",
            "social innovation",
            "sciences humaines",
            "sciences sociales",
        ],
        "priorities": ["Social sciences and humanities"],
        "programme_parts": ["Culture, Creativity and Inclusive Society"],
    },
    "heritage": {
        "keywords": ["cultural heritage", "heritage", "museum", "patrimoine", "musée"],
        "priorities": [],
        "programme_parts": ["Creative Europe (CREA)"],
    },
    "energy": {
        "keywords": ["energy", "renewable energy", "hydrogen", "battery", "énergie"],
        "priorities": [],
        "programme_parts": ["Climate, Energy and Mobility"],
    },
    "agriculture_food": {
        "keywords": [
            "agriculture",
            "food",
            "farming",
            "agroecology",
            "alimentation",
            "agriculture durable",
        ],
        "priorities": [],
        "programme_parts": ["Food, Bioeconomy, Natural Resources, Agriculture and Environment"],
    },
    "sea_coast": {
        "keywords": [
            "ocean",
            "marine",
            "coastal",
            "maritime",
            "sea",
            "blue economy",
            "mer",
            "littoral",
            "océan",
        ],
        "priorities": [],
        "programme_parts": [
            "Mission Restore our Ocean and Waters",
            "European Maritime, Fisheries and Aquaculture Fund (EMFAF)",
        ],
    },
    "critical_thinking": {
        "keywords": [
            "disinformation",
            "misinformation",
            "media literacy",
            "critical thinking",
            "esprit critique",
            "désinformation",
        ],
        "priorities": [],
        "programme_parts": [],
    },
    "science_society": {
        "keywords": [
            "science communication",
            "citizen science",
            "public engagement",
            "science education",
            "open science",
            "science literacy",
            "culture scientifique",
            "sciences participatives",
            "médiation scientifique",
        ],
        "priorities": ["Citizen engagement", "EOSC and Open Science"],
        "programme_parts": [
            "Reforming and Enhancing the European R&I system",
            "Widening participation and spreading excellence",
        ],
    },
}
