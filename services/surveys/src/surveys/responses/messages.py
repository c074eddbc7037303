"""What the answer rules (:mod:`surveys.responses.validation`) say, in French and English:
one catalogue, each message by key.

A rule returns a :class:`Message`: a ``str`` holding the English text, so the API's 422
``errors[].message`` read as they always did (kit.problem_texts: the services' own messages
stay in English there), which also knows its key and values, so that the web form, whose
page is in French by default, says it in the page's language beside the field.
"""

from __future__ import annotations

from typing import Any, Literal

#: key → (French, English); ``{name}``: a value of the message (numbers written per language).
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_question": (
        "ne fait pas partie de ce questionnaire",
        "not a question of this survey",
    ),
    "required": ("réponse obligatoire", "required"),
    "other_missing": ("précisez ce que recouvre « autre »", "say what 'other' is"),
    "other_not_chosen": (
        "précision donnée sans choisir « autre »",
        "given without choosing 'other'",
    ),
    "at_most_characters": ("{limit} caractères au plus", "at most {limit} characters"),
    "note": ("une note n'attend pas de réponse", "a note takes no answer"),
    "at_least": ("au moins {low}", "at least {low}"),
    "at_most": ("au plus {high}", "at most {high}"),
    "one_of": ("une des valeurs {codes}", "one of {codes}"),
    "choice_codes": ("une liste de codes de choix", "a list of choice codes"),
    "unknown_choice_of": (
        "choix inconnu {code} (parmi {codes})",
        "unknown choice {code} (one of {codes})",
    ),
    "each_choice_once": ("chaque choix une seule fois", "each choice once"),
    "at_most_choices": ("{high} choix au plus", "at most {high} choices"),
    "at_least_choices": ("au moins {low} choix", "at least {low} choices"),
    "rank_every": ("classez tous les choix", "rank every choice"),
    "ranks": (
        "chaque rang une seule fois, de 1 au nombre de choix classés",
        "each rank once, from 1 to the number of choices ranked",
    ),
    "yes_no": ("oui ou non", "true or false"),
    "text": ("du texte", "text"),
    "email": ("une adresse électronique", "an e-mail address"),
    "url": ("une adresse web (http ou https)", "an http(s) address"),
    "whole_number": ("un nombre entier", "a whole number"),
    "number": ("un nombre", "a number"),
    "whole_from_to": ("un nombre entier de {low} à {high}", "a whole number from {low} to {high}"),
    "date": ("une date écrite AAAA-MM-JJ", "a date written YYYY-MM-DD"),
    "matrix_object": (
        "un objet : code de ligne → point de l'échelle",
        "an object: row code → point of the scale",
    ),
    "unknown_row": ("ligne inconnue {row}", "unknown row {row}"),
    "row_whole_from_to": (
        "{row} : un nombre entier de {low} à {high}",
        "{row}: a whole number from {low} to {high}",
    ),
    "every_row": ("une réponse par ligne : {missing} manquant", "every row: {missing} missing"),
    "split_object": ("un objet : code de choix → part", "an object: choice code → share"),
    "unknown_choice": ("choix inconnu {code}", "unknown choice {code}"),
    "share": ("{code} : une part de 0 ou plus", "{code}: a share of 0 or more"),
    "shares_over": (
        "les parts font {total}, plus de {limit}",
        "the shares add up to {total}, more than {limit}",
    ),
    "shares_not": (
        "les parts font {total} et non {limit}",
        "the shares add up to {total}, not {limit}",
    ),
}

Language = Literal["fr", "en"]


def _number(value: Any, language: str) -> str:
    """A bound or total as each language writes it: 5.5 in English, 5,5 in French."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", ",") if language == "fr" else text


class Message(str):
    """A rule's message: its English text, which can be said in French too (:meth:`said`)."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Message:
        made = super().__new__(cls, _written(key, values, "en"))
        made.key, made.values = key, values
        return made

    def said(self, language: str) -> str:
        return _written(self.key, self.values, language)


def _written(key: str, values: dict[str, Any], language: str) -> str:
    fr, en = MESSAGES[key]
    template = fr if language == "fr" else en
    return template.format(**{name: _number(v, language) for name, v in values.items()})


def said(message: str, language: str) -> str:
    """``message`` in ``language`` when it is a rule's :class:`Message`, else as it is."""
    return message.said(language) if isinstance(message, Message) else message
