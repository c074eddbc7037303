"""The browser fixture where no Chromium exists: a failure under CI=true, never a quiet pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kit.testing.browser import chromium_path
from kit.testing.paths import repo_root

PAGE_TEST = """
async def test_needs_a_browser(browser):
    assert browser is not None
"""


def run_page_test(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_page.py").write_text(PAGE_TEST)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MAILLAGE_CHROMIUM")}
    env |= {"MAILLAGE_CHROMIUM": str(tmp_path / "no-chromium-here"), **environ}
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"),
            *("-c", str(repo_root() / "pyproject.toml"), "--rootdir", str(tmp_path)),
            str(tmp_path / "test_page.py"),
        ],
        cwd=repo_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_configured_chromium_that_does_not_exist_is_no_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLAGE_CHROMIUM", str(tmp_path / "missing"))
    assert chromium_path() is None
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv("MAILLAGE_CHROMIUM", str(fake))
    assert chromium_path() == str(fake)


def test_without_chromium_page_tests_fail_under_ci(tmp_path: Path) -> None:
    # One run (a pytest process costs seconds): the CI case, the one that must not pass
    # quietly. Elsewhere the same fixture skips with "no Chromium on this machine...".
    failed = run_page_test(tmp_path, CI="true")

    assert failed.returncode == 1, failed.stdout
    assert "page tests need a browser when CI=true" in failed.stdout
    assert "no Chromium on this machine" in failed.stdout
