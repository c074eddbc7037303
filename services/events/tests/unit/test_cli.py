"""``maillage-events --help`` lists every command, each with its one-line help."""

from __future__ import annotations

import pytest

from events.__main__ import main


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
    # openagenda-import worked but was not listed.
    assert set(listed) == {"migrate", "serve", "openagenda-import"}
    assert "OpenAgenda" in listed["openagenda-import"]
    # Its own arguments and help are its own.
    assert "--agenda" in help_of(capsys, "openagenda-import")
