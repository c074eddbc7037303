"""The form's script (forms/static/conditions.js) against the table of cases the Python
evaluator is held to (tests/condition_cases.json): in headless Chromium, the browser the form
runs in, and in Node.js (the same script outside a page). A case the two evaluators decide
differently fails here, named."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from kit.testing.browser import new_page
from surveys.forms.rendering import SCRIPT

CASES: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "condition_cases.json").read_text(encoding="utf-8")
)
#: Run by the script's host over the cases: what it decides for each one.
RUN = """(cases) => ({
  evaluate: cases.evaluate.map((c) => maillageConditions.evaluate(c.condition, c.answers)),
  visibility: cases.visibility.map((c) => {
    const shown = maillageConditions.visibility(c.sections, c.answers);
    return { questions: [...shown.questions].sort(), sections: shown.sections };
  }),
})"""


def wrong(decided: dict[str, Any]) -> list[str]:
    """The cases the script decides otherwise than the table says."""
    out = [
        f"{case['name']}: script says {got}"
        for case, got in zip(CASES["evaluate"], decided["evaluate"], strict=True)
        if got is not case["expected"]
    ]
    for case, got in zip(CASES["visibility"], decided["visibility"], strict=True):
        if (got["questions"], got["sections"]) != (case["questions"], case["sections_shown"]):
            out.append(f"{case['name']}: script shows {got}")
    return out


async def test_the_script_in_chromium_decides_every_case_as_the_table(browser: Browser) -> None:
    page = await new_page(browser, javascript=True)
    try:
        await page.set_content("<!doctype html><title>conditions</title><p>cases</p>")
        await page.add_script_tag(content=SCRIPT)
        decided = await page.evaluate(RUN, CASES)
    finally:
        await page.context.close()
    assert wrong(decided) == []


async def test_the_script_in_node_decides_every_case_as_the_table(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the script's cases need Node.js (or Chromium) when CI=true")
        pytest.skip("no node on this machine: the Chromium test runs the same cases")
    runner = tmp_path / "run.js"
    runner.write_text(
        SCRIPT
        + "\nconst cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + f"\nprocess.stdout.write(JSON.stringify(({RUN})(cases)));\n",
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        node,
        str(runner),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(json.dumps(CASES).encode()), 60)
    assert process.returncode == 0, err.decode()
    assert wrong(json.loads(out)) == []
