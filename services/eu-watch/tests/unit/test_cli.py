"""``maillage-eu-watch --help`` lists every command, each with its one-line help."""

from __future__ import annotations

import pytest

from eu_watch.__main__ import main


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_command_with_its_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # one line each, whatever the terminal
    listed = {
        line.split(maxsplit=1)[0]: line.split(maxsplit=1)[1]
        for line in help_of(capsys).splitlines()
        if line.startswith("    ") and len(line.split(maxsplit=1)) == 2
    }
    # cordis-import worked but was not listed.
    assert set(listed) == {"migrate", "serve", "sync", "cordis-import"}
    assert "CORDIS" in listed["cordis-import"]
    # Its own arguments and help are its own.
    assert "file" in help_of(capsys, "cordis-import")
