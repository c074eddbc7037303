"""``maillage-eu-watch --help`` lists every command, each with its one-line help."""

from __future__ import annotations

import pytest

from eu_watch.__main__ import main
from kit.testing.cli import help_of, listed_commands


def test_help_lists_every_command_with_its_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = listed_commands(main, capsys, monkeypatch)
    # cordis-import worked but was not listed.
    assert set(listed) == {"migrate", "serve", "sync", "cordis-import"}
    assert "CORDIS" in listed["cordis-import"]
    # Its own arguments and help are its own.
    assert "file" in help_of(main, capsys, "cordis-import")
