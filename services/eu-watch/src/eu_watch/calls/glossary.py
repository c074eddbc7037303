"""French words a network's team searches with, and the English words calls use for them.

Calls are written in English; the teams reading them search in French. Stems bridge the
words both languages share (``musée`` → *museum*, ``biodiversité`` → *biodiversity*), not
the others: ``patrimoine`` never meets *heritage*, ``santé`` never *health*. A query word
found here also matches its English words — exactly, by their stems, never as prefixes:
``mer`` must find *sea* and *seas*, not *search* or *season*.

Keys are folded (lower case, no accents: :func:`kit.normalize.fold`) and matched as written,
with an ``s``, and by their French stem, so plurals and genders follow (``citoyennes`` →
``citoyen``), except the stems in :data:`AMBIGUOUS_STEMS`. The list follows
the network's themes (``contracts.vocabularies.Theme``) and the words of the portal's
programmes; add a line here to teach the search a word.
"""

from __future__ import annotations

from types import MappingProxyType

FRENCH_TO_ENGLISH = MappingProxyType(
    {
        "citoyen": ("citizen",),
        "citoyennete": ("citizenship",),
        "participatif": ("participatory", "participative"),
        "patrimoine": ("heritage",),
        "sante": ("health",),
        "espace": ("space",),
        "spatial": ("space",),
        "mer": ("sea", "marine", "maritime", "ocean"),
        "littoral": ("coast", "coastal"),
        "numerique": ("digital",),
        "democratie": ("democracy",),
        "jeune": ("youth", "young"),
        "jeunesse": ("youth",),
        "enfant": ("child", "children"),
        "ecole": ("school",),
        "enseignant": ("teacher",),
        "enseignement": ("teaching", "education"),
        "chercheur": ("researcher",),
        "recherche": ("research",),
        "climat": ("climate",),
        "eau": ("water",),
        "alimentation": ("food",),
        "agriculture": ("farming", "agricultural"),
        "foret": ("forest",),
        "montagne": ("mountain",),
        "ville": ("city", "cities", "urban"),
        "territoire": ("territory", "territorial", "regional"),
        "egalite": ("equality",),
        "femme": ("women", "woman", "gender"),
        "genre": ("gender",),
        "handicap": ("disability",),
        "pauvrete": ("poverty",),
        "solidarite": ("solidarity",),
        "mediation": ("outreach", "engagement"),
        "vulgarisation": ("outreach", "popularisation"),
        "sensibilisation": ("awareness",),
        "diffusion": ("dissemination",),
        "formation": ("training",),
        "competence": ("skills",),
        "emploi": ("employment", "jobs"),
        "entreprise": ("business", "enterprise", "company"),
        "dechet": ("waste",),
        "risque": ("risk",),
        "catastrophe": ("disaster",),
        "securite": ("security", "safety"),
        "donnee": ("data",),
        "ouvert": ("open",),
        "informatique": ("computing", "computer"),
        "artificiel": ("artificial",),
        "desinformation": ("disinformation", "misinformation"),
        "critique": ("critical",),
        "langue": ("language",),
        "bibliotheque": ("library", "libraries"),
        "logement": ("housing",),
        "vieillissement": ("ageing", "aging"),
        "reseau": ("network",),
        "cooperation": ("cooperation", "partnership"),
        "europeen": ("european",),
    }
)

#: French stems that are English words of their own: the glossary's words with these stems are
#: matched as written (and with an ``s``), never by stem, or ``log`` would find housing.
AMBIGUOUS_STEMS = frozenset({"log", "format", "competent"})
