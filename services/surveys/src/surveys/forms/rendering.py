"""The form page's HTML, most of it rendered once per published version and language.

A published version never changes, so all of a section's page that does not depend on the
respondent (the layout, titles, labels, choices, the script and its rules) is the same for
every link of that version in one language. :class:`FormRenderer` renders it once, with a
marker where each answer-dependent part goes (the language switch and the form's addresses,
the CSRF token, the CSP nonce, the progress, the notice, the error summary, each question,
the buttons, the answers the script starts from), keeps the text between the markers, and
per answer renders only those parts. A question that shows no answer and no error, the
common case, is kept rendered too (shown and hidden), so the page of an unanswered
invitation costs no template at all.

Only what a version and a language determine is kept, keyed by the version's id (never a
token, an answer or a cookie): every replica derives the same from the same immutable row
and nothing can go stale. ``cached=False`` renders the whole page through the templates;
the tests hold both to the same HTML.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kit.pages import Page, PageTemplates, translator
from kit.pages.languages import Language
from surveys.forms.schemas import FormPage
from surveys.questionnaires.compiled import CompiledVersion
from surveys.responses.messages import said

TEMPLATES = PageTemplates(Path(__file__).parent / "templates")
SCRIPT = (Path(__file__).parent / "static" / "conditions.js").read_text(encoding="utf-8")
#: Section pages kept (version, language, section), the least recently used forgotten first.
MAX_FRAMES = 1024

# A marker no questionnaire text can hold: a NUL and a secret of this process around it.
_MARK = f"\x00{secrets.token_hex(8)}:"
_MARKED = re.compile(re.escape(_MARK) + r"([a-z_0-9]+)\x00")


def _slot(name: str) -> Markup:
    return Markup(f"{_MARK}{name}\x00")  # noqa: S704 - a part's name, made here


@dataclass(frozen=True)
class Frame:
    """A section's page in one language: text and the names of the parts between it
    (``chunks`` alternate text and a part's name), and each question as it shows with no
    answer and no error (shown, hidden)."""

    chunks: tuple[str, ...]
    empty_questions: tuple[tuple[Markup, Markup], ...]


class FormRenderer:
    def __init__(self, templates: PageTemplates = TEMPLATES, size: int = MAX_FRAMES) -> None:
        self.templates = templates
        self.size = size
        self._frames: OrderedDict[tuple[uuid.UUID, str, int], Frame] = OrderedDict()
        self._parts: dict[str, Any] = {}
        self._fixed_parts: dict[tuple[Any, ...], Markup] = {}

    def render(
        self,
        request: Request,
        version: CompiledVersion,
        page: FormPage,
        *,
        token: str,
        language: str | None,
        saved: bool = False,
        revealed: bool = False,
        status_code: int = 200,
        cached: bool = True,
    ) -> HTMLResponse:
        """The page ``page`` of the form for ``request``; ``language`` is the respondent's
        recorded choice. ``cached=False``: every part through the templates, nothing kept."""
        answer = Page(request, language)
        parts = self._parts_in(answer.lang)
        # The rules' messages in the page's language (a switch may have changed it).
        page = replace(page, errors={k: said(m, answer.lang) for k, m in page.errors.items()})
        section = version.definition["sections"][page.section_index]
        questions = section.get("questions", [])
        frame = self._frame(answer, version, page.section_index) if cached else None
        filled: dict[str, Markup] = {
            "language_switch_url": escape(answer.language_switch_url),
            "page_path": escape(f"/p/surveys/{token}"),
            "position": escape(page.position),
            "pages": escape(page.pages),
            "csrf": answer.csrf_field(),
            "nonce": escape(answer.nonce),
            "notice": (
                (self._fixed(answer.lang, "notice") if cached else parts.saved_notice())
                if saved
                else (
                    (self._fixed(answer.lang, "revealed") if cached else parts.revealed_notice())
                    if revealed
                    else Markup("")
                )
            ),
            "summary": (
                parts.error_summary(page.errors, version.questions)
                if page.errors or not cached
                else self._fixed(answer.lang, "summary")
            ),
            "actions": (
                self._fixed(answer.lang, "actions", page.has_previous, page.has_next)
                if cached
                else parts.actions(page.has_previous, page.has_next)
            ),
            "rules": self._rules_json(page, version),
        }
        for index, question in enumerate(questions):
            if frame is not None and _shows_nothing(question, page):
                shown, hidden = frame.empty_questions[index]
                filled[f"q{index}"] = shown if question["code"] in page.visible else hidden
            else:
                filled[f"q{index}"] = parts.question(
                    question, page.answers, page.errors, page.visible
                )
        if frame is None:
            body = self._page(answer, version, page.section_index, filled)
        else:
            body = "".join(
                filled[chunk] if odd else chunk
                for odd, chunk in zip(_alternating(), frame.chunks, strict=False)
            )
        return answer.respond(body, status_code=status_code)

    def _frame(self, answer: Page, version: CompiledVersion, section_index: int) -> Frame:
        """The section's page in the answer's language, rendered with markers the first time
        (the answer lends its language only)."""
        lang = answer.lang
        key = (version.id, lang, section_index)
        found = self._frames.get(key)
        if found is not None:
            self._frames.move_to_end(key)
            return found
        questions = version.definition["sections"][section_index].get("questions", [])
        names = [
            "language_switch_url", "page_path", "position", "pages", "csrf", "nonce",
            "notice", "summary", "actions", "rules",
        ] + [f"q{i}" for i in range(len(questions))]  # fmt: skip
        marked = self._page(answer, version, section_index, {name: _slot(name) for name in names})
        parts = self._parts_in(lang)
        frame = Frame(
            chunks=tuple(_MARKED.split(marked)),
            empty_questions=tuple(
                (parts.question(q, {}, {}, {q["code"]}), parts.question(q, {}, {}, set()))
                for q in questions
            ),
        )
        self._frames[key] = frame
        while len(self._frames) > self.size:
            self._frames.popitem(last=False)
        return frame

    def _page(
        self,
        answer: Page,
        version: CompiledVersion,
        section_index: int,
        filled: Mapping[str, Markup],
    ) -> str:
        """The page through the templates, each answer-dependent part as ``filled`` says."""
        definition = version.definition
        section = definition["sections"][section_index]
        count = len(section.get("questions", []))
        context = {
            "language_switch_url": filled["language_switch_url"],
            "csp_nonce": filled["nonce"],
            "csrf_field": lambda: filled["csrf"],
            "survey": definition,
            "section": section,
            "section_index": section_index,
            "page_path": filled["page_path"],
            "position": filled["position"],
            "pages": filled["pages"],
            "notice": filled["notice"],
            "summary": filled["summary"],
            "questions": [filled[f"q{i}"] for i in range(count)],
            "actions": filled["actions"],
            "rules_json": filled["rules"],
            "script": SCRIPT,
        }
        template = self.templates.environment.get_template("form.html")
        return template.render(answer.variables(context))

    def _parts_in(self, lang: Language) -> Any:
        """The parts' macros in ``lang`` (made once per language: they depend on nothing
        else)."""
        found = self._parts.get(lang)
        if found is None:
            template = self.templates.environment.get_template("form_parts.html")
            found = self._parts[lang] = template.make_module({"t": translator(lang), "lang": lang})
        return found

    def _fixed(self, lang: Language, part: str, *flags: bool) -> Markup:
        """A part that depends on the language and these flags only: the saved notice, the
        empty error summary, the buttons (a handful of each)."""
        key = (lang, part, *flags)
        found = self._fixed_parts.get(key)
        if found is None:
            parts = self._parts_in(lang)
            made = {
                "notice": parts.saved_notice,
                "revealed": parts.revealed_notice,
                "summary": lambda: parts.error_summary({}, {}),
                "actions": lambda: parts.actions(*flags),
            }[part]()
            found = self._fixed_parts[key] = made
        return found

    def _rules_json(self, page: FormPage, version: CompiledVersion) -> Markup:
        """What the page's script starts from, as the ``tojson`` filter writes it."""
        rules = {
            "answers": {k: v for k, v in page.answers.items() if k in page.visible},
            "sections": version.script_rules,
        }
        policies = self.templates.environment.policies
        return htmlsafe_json_dumps(
            rules, dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"]
        )


def _shows_nothing(question: Mapping[str, Any], page: FormPage) -> bool:
    """Whether ``question`` shows neither an answer nor an error on ``page`` (then it is the
    same on every link of the version)."""
    code = question["code"]
    name = f"q.{code}"
    return (
        code not in page.answers
        and f"{code}.other" not in page.answers
        and name not in page.errors
        and f"{name}.other" not in page.errors
    )


def _alternating() -> Iterator[bool]:
    """False, True, False...: ``Frame.chunks`` alternate text and a part's name."""
    while True:
        yield False
        yield True


form_renderer = FormRenderer()
