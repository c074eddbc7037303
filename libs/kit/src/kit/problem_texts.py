"""Problems in the caller's language: the catalogue of every problem type in French and
English, and the language a request asked for.

One mechanism for every process: :class:`ProblemLanguageMiddleware` (outermost, in each
service and in the gateway) reads ``Accept-Language`` into :data:`problem_language_var`;
:func:`kit.problems.problem_body`, which builds every problem+json document Maillage sends,
takes ``title`` and ``detail`` from here, and each problem answer says ``Content-Language``
and ``Vary: Accept-Language``.

- ``title``: the problem type's title in that language (:data:`PROBLEM_TEXTS`).
- ``detail``: in English, the error's own sentence (which may name an id or a limit); in
  French, the error's French sentence when it has one (the pages' errors do), otherwise the
  type's French explanation below. For a 422 naming fields, ``detail`` lists the fields with
  their messages; a field's name is never translated, and the messages of the schema's own
  checks (a missing field, a too long text, a number out of bounds...) are given in French;
  the messages of the services' own rules (``errors[].message``) stay in English.
- Without ``Accept-Language``, or asking for neither French nor English, problems answer in
  English (:data:`DEFAULT_PROBLEM_LANGUAGE`), as the API's field names and documentation
  are; the pages people open (``/p/…``) answer in French by default (``kit.pages``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Literal

from starlette.types import ASGIApp, Receive, Scope, Send

ProblemLanguage = Literal["fr", "en"]
DEFAULT_PROBLEM_LANGUAGE: ProblemLanguage = "en"
#: The language of the problems of the request being handled (None: outside a request).
problem_language_var: ContextVar[ProblemLanguage | None] = ContextVar(
    "problem_language", default=None
)

#: Each problem type's title and explanation, in French then English: (title_fr, detail_fr,
#: title_en, detail_en). The English detail is used when the error gives none of its own.
PROBLEM_TEXTS: dict[str, tuple[str, str, str, str]] = {
    # Bare HTTP statuses and the mechanics every process shares.
    "bad-request": (
        "Requête incorrecte",
        "La requête n'a pas pu être lue.",
        "Bad request",
        "The request could not be read.",
    ),
    "unauthenticated": (
        "Authentification requise",
        "Cette opération demande une clé d'API valide (Authorization: Bearer <clé>).",
        "Authentication required",
        "This operation needs a valid API key (Authorization: Bearer <key>).",
    ),
    "forbidden": (
        "Accès refusé",
        "Votre clé d'API ne permet pas cette opération sur cette ressource.",
        "Forbidden",
        "Your API key does not allow this operation on this resource.",
    ),
    "not-found": (
        "Introuvable",
        "Aucune ressource ni route à cette adresse.",
        "Not found",
        "No route or resource at this address.",
    ),
    "method-not-allowed": (
        "Méthode non permise",
        "Cette adresse n'accepte pas cette méthode HTTP.",
        "Method not allowed",
        "This address does not accept this HTTP method.",
    ),
    "not-acceptable": (
        "Format non disponible",
        "Aucun des formats demandés dans Accept n'est disponible ici.",
        "Not acceptable",
        "None of the formats asked for in Accept is available here.",
    ),
    "conflict": (
        "Conflit",
        "L'opération entre en conflit avec l'état actuel de la ressource.",
        "Conflict",
        "The operation conflicts with the resource's current state.",
    ),
    "precondition-failed": (
        "Précondition non remplie",
        "La ressource a changé depuis votre lecture (If-Match) : relisez-la puis recommencez.",
        "Precondition failed",
        "The resource changed since you read it (If-Match): read it again, then retry.",
    ),
    "payload-too-large": (
        "Envoi trop volumineux",
        "Le corps de la requête dépasse la taille acceptée.",
        "Payload too large",
        "The request body exceeds the accepted size.",
    ),
    "unsupported-media-type": (
        "Type de contenu non pris en charge",
        "Le Content-Type de la requête n'est pas accepté ici.",
        "Unsupported media type",
        "The request's Content-Type is not accepted here.",
    ),
    "validation": (
        "Données non valables",
        "Des champs de la requête ne sont pas valables.",
        "Invalid input",
        "Some fields of the request are not valid.",
    ),
    "too-many-requests": (
        "Trop de requêtes",
        "Trop de requêtes en peu de temps : patientez (Retry-After) puis recommencez.",
        "Too many requests",
        "Too many requests in a short time: wait (Retry-After), then retry.",
    ),
    "internal": (
        "Erreur interne",
        "Une erreur inattendue s'est produite ; elle a été enregistrée avec cet identifiant "
        "de requête.",
        "Internal error",
        "An unexpected error occurred; it has been logged with this request id.",
    ),
    "bad-gateway": (
        "Passerelle en erreur",
        "Le service concerné n'a pas répondu correctement.",
        "Bad gateway",
        "The service behind this address did not answer properly.",
    ),
    "service-unavailable": (
        "Service indisponible",
        "Le service est momentanément indisponible ; réessayez dans quelques secondes.",
        "Service unavailable",
        "The service is unavailable for a moment; try again in a few seconds.",
    ),
    "gateway-timeout": (
        "Délai dépassé",
        "Le service concerné n'a pas répondu à temps.",
        "Gateway timeout",
        "The service behind this address did not answer in time.",
    ),
    "http-error": (
        "Erreur HTTP",
        "La requête n'a pas abouti.",
        "HTTP error",
        "The request did not succeed.",
    ),
    "not-ready": (
        "Pas prêt",
        "Un service ou le bus de messages ne répond pas encore.",
        "Not ready",
        "A service or the message bus does not answer yet.",
    ),
    "cors-refused": (
        "Requête d'une autre origine refusée",
        "Cette origine, cette méthode ou ces en-têtes ne sont pas autorisés depuis un navigateur.",
        "Cross-origin request refused",
        "This origin, method or these headers are not allowed from a browser.",
    ),
    "mail-not-found": (
        "Message introuvable",
        "Aucun message envoyé par ce service n'a cet identifiant.",
        "No such message",
        "No message sent by this service has this id.",
    ),
    # Gateway: API keys, partners, webhooks.
    "api-key-not-found": (
        "Clé d'API introuvable",
        "Aucune clé d'API n'a cet identifiant.",
        "Not found",
        "No API key has this id.",
    ),
    "partner-not-found": (
        "Partenaire introuvable",
        "Aucun partenaire n'a cet identifiant.",
        "Not found",
        "No partner has this id.",
    ),
    "partner-exists": (
        "Partenaire déjà enregistré",
        "Un partenaire porte déjà cet identifiant.",
        "Conflict",
        "A partner already has this id.",
    ),
    "partner-message-not-found": (
        "Message introuvable",
        "Aucun message de ce partenaire n'a cet identifiant.",
        "Not found",
        "No message of this partner has this id.",
    ),
    "partner-message-not-retriable": (
        "Message non renvoyable",
        "Ce message ne peut pas être traité de nouveau dans son état actuel.",
        "Conflict",
        "This message cannot be processed again in its current state.",
    ),
    "invalid-signature": (
        "Signature non valable",
        "La signature du webhook, son horodatage ou le partenaire ne sont pas reconnus.",
        "Invalid webhook signature",
        "The webhook's signature, timestamp or partner is not recognised.",
    ),
    "too-many-webhook-endpoints": (
        "Trop de points de réception",
        "Ce partenaire a déjà le nombre maximal de points de réception de webhooks.",
        "Conflict",
        "This partner already has the most webhook endpoints allowed.",
    ),
    "webhook-endpoint-not-found": (
        "Point de réception introuvable",
        "Aucun point de réception de webhooks n'a cet identifiant.",
        "Not found",
        "No webhook endpoint has this id.",
    ),
    "webhook-delivery-not-found": (
        "Envoi introuvable",
        "Aucun envoi de webhook n'a cet identifiant.",
        "Not found",
        "No webhook delivery has this id.",
    ),
    "webhook-delivery-pending": (
        "Envoi déjà en attente",
        "Cet envoi attend déjà d'être fait.",
        "Conflict",
        "This delivery is already waiting to be sent.",
    ),
    # Directory.
    "actor-not-found": (
        "Acteur introuvable",
        "Aucun acteur de l'annuaire n'a cet identifiant.",
        "Actor not found",
        "No actor of the directory has this id.",
    ),
    "actor-edit-forbidden": (
        "Modification refusée",
        "Seuls l'équipe du réseau et les membres de cet acteur peuvent le modifier.",
        "You may not change this actor",
        "Only the network's staff and this actor's members may change it.",
    ),
    "actor-merged": (
        "Acteur fusionné",
        "Cet acteur a été fusionné dans un autre, indiqué par l'en-tête Location.",
        "Actor merged into another",
        "This actor was merged into another, which the Location header names.",
    ),
    "merge-with-itself": (
        "Fusion impossible",
        "Un acteur ne peut pas être fusionné avec lui-même.",
        "An actor cannot be merged with itself",
        "An actor cannot be merged with itself.",
    ),
    "not-a-shadow-record": (
        "Fiche non revendicable",
        "Seules les fiches créées sans leur structure (fiches fantômes) peuvent être revendiquées.",
        "Only shadow records can be claimed",
        "Only records created without their organisation (shadow records) can be claimed.",
    ),
    "claim-already-decided": (
        "Revendication déjà traitée",
        "Cette revendication a déjà été acceptée ou refusée.",
        "This claim was already approved or refused",
        "This claim was already approved or refused.",
    ),
    "claim-not-found": (
        "Revendication introuvable",
        "Aucune revendication n'a cet identifiant.",
        "Claim not found",
        "No claim has this id.",
    ),
    "external-id-taken": (
        "Identifiant externe déjà pris",
        "Cet identifiant externe appartient déjà à un autre acteur.",
        "This external id belongs to another actor",
        "This external id already belongs to another actor.",
    ),
    "commune-not-found": (
        "Commune introuvable",
        "Aucune commune du code officiel géographique n'a ce code.",
        "Commune not found",
        "No commune of the official geographic code has this code.",
    ),
    "import-not-found": (
        "Import introuvable",
        "Aucun import n'a cet identifiant.",
        "Import not found",
        "No import has this id.",
    ),
    "import-already-written": (
        "Import déjà écrit",
        "Cet import a déjà écrit ses lignes.",
        "This import already wrote its rows",
        "This import already wrote its rows.",
    ),
    "unreadable-file": (
        "Fichier illisible",
        "Le fichier ne peut pas être lu comme un tableur CSV ou XLSX.",
        "The file cannot be read",
        "The file cannot be read as a CSV or XLSX spreadsheet.",
    ),
    "resource-not-found": (
        "Ressource introuvable",
        "Aucune ressource du catalogue n'a cet identifiant.",
        "Resource not found",
        "No resource of the catalogue has this id.",
    ),
    "resource-edit-forbidden": (
        "Modification refusée",
        "Seuls l'équipe du réseau et les membres de l'acteur qui la prête peuvent modifier "
        "cette ressource.",
        "You may not change this resource",
        "Only the network's staff and the lending actor's members may change this resource.",
    ),
    # Events.
    "event-not-found": (
        "Événement introuvable",
        "Aucun événement de l'agenda n'a cet identifiant.",
        "Event not found",
        "No event of the calendar has this id.",
    ),
    "event-creation-forbidden": (
        "Création refusée",
        "Vous ne pouvez pas créer cet événement (organisateurs ou état non permis).",
        "You may not create this event",
        "You may not create this event (organizers or state not allowed).",
    ),
    "event-update-forbidden": (
        "Modification refusée",
        "Vous ne pouvez pas modifier cet événement.",
        "You may not change this event",
        "You may not change this event.",
    ),
    "event-history-forbidden": (
        "Historique non accessible",
        "Seuls l'équipe du réseau et les organisateurs lisent l'historique d'un événement.",
        "You may not read this event's history",
        "Only the network's staff and the organizers read an event's history.",
    ),
    "registration-not-found": (
        "Inscription introuvable",
        "Aucune inscription n'a cet identifiant.",
        "Registration not found",
        "No registration has this id.",
    ),
    "registrations-forbidden": (
        "Accès refusé",
        "Seuls les organisateurs et l'équipe du réseau peuvent faire cela.",
        "Only the organizers and staff may do this",
        "Only the organizers and staff may do this.",
    ),
    "registration-unavailable": (
        "Pas d'inscription ici",
        "Cet événement ne prend pas d'inscription sur cette plateforme.",
        "This event takes no registration here",
        "This event takes no registration on this platform.",
    ),
    "registration-not-open": (
        "Inscriptions pas encore ouvertes",
        "Les inscriptions à cet événement ne sont pas encore ouvertes.",
        "Registration is not open yet",
        "Registration for this event is not open yet.",
    ),
    "registration-closed": (
        "Inscriptions closes",
        "Les inscriptions à cet événement sont closes.",
        "Registration is closed",
        "Registration for this event is closed.",
    ),
    "event-cancelled": (
        "Événement annulé",
        "Cet événement est annulé.",
        "The event is cancelled",
        "This event is cancelled.",
    ),
    "event-full": (
        "Événement complet",
        "Il ne reste aucune place et cet événement n'a pas de liste d'attente.",
        "The event is full",
        "No seat is left and this event has no waitlist.",
    ),
    "already-registered": (
        "Déjà inscrit",
        "Cette adresse est déjà inscrite à cet événement.",
        "Already registered",
        "This address is already registered for this event.",
    ),
    "registration-state": (
        "Impossible dans l'état de l'inscription",
        "Cette opération n'est pas possible dans l'état actuel de l'inscription.",
        "Not possible in the registration's current status",
        "This operation is not possible in the registration's current status.",
    ),
    "too-many-holds": (
        "Trop d'inscriptions non confirmées",
        "Trop d'inscriptions attendent leur confirmation par courriel depuis cette adresse : "
        "confirmez-les ou patientez.",
        "Too many unconfirmed registrations",
        "Too many registrations from this address await their e-mail confirmation: confirm "
        "them or wait.",
    ),
    "partner-write-forbidden": (
        "Écriture refusée",
        "Vous ne pouvez pas écrire les événements de ce partenaire.",
        "You may not write this partner's events",
        "You may not write this partner's events.",
    ),
    "partner-event-not-found": (
        "Événement partenaire introuvable",
        "Aucun événement n'a cet identifiant chez ce partenaire.",
        "No event has this partner id",
        "No event has this id at this partner.",
    ),
    "partner-event-deleted": (
        "Événement supprimé",
        "Le réseau a supprimé cet événement.",
        "The network deleted this event",
        "The network deleted this event.",
    ),
    "openagenda-unavailable": (
        "OpenAgenda indisponible",
        "OpenAgenda n'a pas répondu comme prévu.",
        "OpenAgenda did not answer as expected",
        "OpenAgenda did not answer as expected.",
    ),
    "openagenda-sync-not-found": (
        "Agenda jamais importé",
        "Cet agenda OpenAgenda n'a jamais été importé.",
        "This agenda was never imported",
        "This OpenAgenda agenda was never imported.",
    ),
    # Surveys.
    "survey-not-found": (
        "Questionnaire introuvable",
        "Aucun questionnaire n'a cet identifiant.",
        "Survey not found",
        "No survey has this id.",
    ),
    "survey-version-not-found": (
        "Version introuvable",
        "Ce questionnaire n'a pas cette version.",
        "Survey version not found",
        "This survey has no such version.",
    ),
    "survey-version-published": (
        "Version publiée",
        "Une version publiée ne change plus : créez-en une nouvelle.",
        "A published version never changes",
        "A published version never changes: make a new one.",
    ),
    "survey-status": (
        "Impossible dans l'état du questionnaire",
        "Cette opération n'est pas possible dans l'état actuel du questionnaire.",
        "Not possible in the survey's status",
        "This operation is not possible in the survey's current status.",
    ),
    "survey-definition": (
        "Questionnaire non valable",
        "La définition du questionnaire n'est pas valable.",
        "The questionnaire is not valid",
        "The questionnaire's definition is not valid.",
    ),
    "xlsform": (
        "XLSForm non importable",
        "Ce fichier XLSForm ne peut pas être importé.",
        "The XLSForm cannot be imported",
        "This XLSForm file cannot be imported.",
    ),
    "survey-not-open": (
        "Questionnaire non ouvert",
        "Ce questionnaire n'est pas ouvert aux invitations.",
        "The survey is not open for invitations",
        "This survey is not open for invitations.",
    ),
    "public-link-busy": (
        "Lien public très sollicité",
        "Trop de réponses viennent d'être commencées par ce lien public : réessayez dans un "
        "instant (Retry-After).",
        "Public link busy",
        "Too many responses were just started through this public link: try again in a "
        "moment (Retry-After).",
    ),
    "invitation-not-found": (
        "Invitation introuvable",
        "Aucune invitation n'a cet identifiant.",
        "Invitation not found",
        "No invitation has this id.",
    ),
    "invitations-forbidden": (
        "Invitations d'un autre acteur",
        "Ces invitations ne sont pas celles de votre acteur.",
        "Not your invitations",
        "These invitations are not your actor's.",
    ),
    "response-link-not-found": (
        "Lien de questionnaire introuvable",
        "Ce lien ne mène à aucun questionnaire. Vérifiez qu'il est complet.",
        "Survey link not found",
        "This link leads to no survey. Check that it is complete.",
    ),
    "survey-not-answerable": (
        "Le questionnaire ne prend pas de réponse",
        "Ce questionnaire ne prend pas de réponse pour l'instant.",
        "The survey takes no answer now",
        "This survey takes no answer now.",
    ),
    "answers": (
        "Réponses non valables",
        "Certaines réponses ne sont pas valables (voir errors[]).",
        "Some answers are not valid",
        "Some answers are not valid (see errors[]).",
    ),
    "indicator-not-found": (
        "Indicateur introuvable",
        "Aucun indicateur n'a cet identifiant.",
        "Indicator not found",
        "No indicator has this id.",
    ),
    "results-not-found": (
        "Résultats introuvables",
        "Aucun résultat publié pour ce questionnaire.",
        "Results not found",
        "No published results for this survey.",
    ),
    "private-attribute": (
        "Attribut privé",
        "Cet attribut des acteurs est privé et ne peut pas servir à ventiler les résultats.",
        "Private attribute",
        "This actor attribute is private and cannot break results down.",
    ),
    # EU watch.
    "call-not-found": (
        "Appel introuvable",
        "Aucun appel à projets n'a cet identifiant.",
        "Call not found",
        "No call for projects has this id.",
    ),
    "call-already-watched": (
        "Appel déjà suivi",
        "Cet appel est déjà suivi.",
        "This call is already watched",
        "This call is already watched.",
    ),
    "theme-not-found": (
        "Thème introuvable",
        "Le réseau n'a pas ce thème.",
        "No such network theme",
        "The network has no such theme.",
    ),
    "portal-unavailable": (
        "Portail européen indisponible",
        "Le portail Funding & Tenders de l'UE n'a pas répondu comme prévu.",
        "The EU Funding & Tenders Portal failed",
        "The EU Funding & Tenders Portal did not answer as expected.",
    ),
    "not-your-actor": (
        "Acteur d'un autre membre",
        "Vous n'agissez pas pour cet acteur.",
        "You do not act for this actor",
        "You do not act for this actor.",
    ),
    "follow-not-found": (
        "Suivi introuvable",
        "Cet acteur ne suit pas cet appel.",
        "This actor does not follow this call",
        "This actor does not follow this call.",
    ),
    "watch-not-found": (
        "Veille introuvable",
        "Aucune veille n'a cet identifiant.",
        "Watch not found",
        "No watch has this id.",
    ),
}

#: What each status says when a problem type is missing from the catalogue.
_STATUS_FALLBACK: dict[int, str] = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
    500: "internal",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}

#: The French of pydantic's own messages, by error type (``{…}``: the error's context).
_SCHEMA_MESSAGES_FR: dict[str, str] = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    "string_type": "doit être une chaîne de caractères",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "au plus {max_length} caractère(s)",
    "string_pattern_mismatch": "ne respecte pas le format attendu ({pattern})",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "float_parsing": "doit être un nombre",
    "float_type": "doit être un nombre",
    "bool_parsing": "doit valoir true ou false",
    "bool_type": "doit valoir true ou false",
    "uuid_parsing": "doit être un identifiant (UUID)",
    "uuid_type": "doit être un identifiant (UUID)",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "literal_error": "doit valoir {expected}",
    "enum": "doit valoir {expected}",
    "datetime_parsing": "doit être une date et heure RFC 3339",
    "datetime_from_date_parsing": "doit être une date et heure RFC 3339",
    "datetime_type": "doit être une date et heure RFC 3339",
    "timezone_aware": "doit indiquer son décalage horaire (Z ou +01:00)",
    "date_parsing": "doit être une date AAAA-MM-JJ",
    "date_from_datetime_parsing": "doit être une date AAAA-MM-JJ",
    "date_type": "doit être une date AAAA-MM-JJ",
    "list_type": "doit être une liste",
    "dict_type": "doit être un objet",
    "model_type": "doit être un objet",
    "model_attributes_type": "doit être un objet",
    "too_short": "au moins {min_length} élément(s)",
    "too_long": "au plus {max_length} élément(s)",
    "url_parsing": "doit être une adresse web valable",
    "url_scheme": "doit être une adresse web valable (http ou https)",
    "url_type": "doit être une adresse web valable",
    "json_invalid": "JSON non valable",
    "json_type": "JSON non valable",
}


def language_of(accept_language: str | None) -> ProblemLanguage:
    """The language a problem answers ``Accept-Language`` in: French or English, whichever
    the header ranks higher, else :data:`DEFAULT_PROBLEM_LANGUAGE`."""
    from kit.pages.languages import preferred_by_browser  # noqa: PLC0415 (kit.pages imports us)

    return preferred_by_browser(accept_language) or DEFAULT_PROBLEM_LANGUAGE


def current_language() -> ProblemLanguage:
    return problem_language_var.get() or DEFAULT_PROBLEM_LANGUAGE


def _texts(slug: str, status: int) -> tuple[str, str, str, str] | None:
    found = PROBLEM_TEXTS.get(slug)
    if found is None:
        fallback = _STATUS_FALLBACK.get(status) or ("internal" if status >= 500 else None)
        found = PROBLEM_TEXTS.get(fallback) if fallback else None
    return found


def localized_title(slug: str, status: int, title: str, language: ProblemLanguage) -> str:
    """The problem's title in ``language``; in English the error's own title stands."""
    if language == "en":
        return title
    texts = _texts(slug, status)
    return texts[0] if texts else title


def localized_detail(
    *,
    slug: str,
    status: int,
    title: str,
    detail: str | None,
    language: ProblemLanguage,
    errors: Sequence[Mapping[str, Any]] | None = None,
    texts: Mapping[str, str] | None = None,
) -> str | None:
    """The problem's detail in ``language``: see the module's docstring."""
    if texts and language in texts:
        return texts[language]
    if errors and all("field" in e and "message" in e for e in errors):
        return "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    if language == "en":
        if detail and detail != title:
            return detail
        found = PROBLEM_TEXTS.get(slug)
        return found[3] if found else detail
    found_texts = _texts(slug, status)
    return found_texts[1] if found_texts else detail


def schema_message(error: Mapping[str, Any], language: ProblemLanguage) -> str:
    """A pydantic error's message in ``language`` (its own English message otherwise)."""
    message = str(error.get("msg", "invalid"))
    if language == "en":
        return message
    template = _SCHEMA_MESSAGES_FR.get(str(error.get("type", "")))
    if template is None:
        return message
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return message


def problem_headers(language: ProblemLanguage) -> list[tuple[str, str]]:
    """What every problem answer says of its language."""
    return [("content-language", language), ("vary", "Accept-Language")]


class ProblemLanguageMiddleware:
    """Pure ASGI: the language the request's problems are written in, from its
    ``Accept-Language`` (outermost, so every problem of the request follows it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-language":
                header = value.decode("latin-1")
                break
        language = language_of(header)
        scope.setdefault("state", {})["problem_language"] = language
        token = problem_language_var.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            problem_language_var.reset(token)
