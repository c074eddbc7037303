"""What a service's command line lists in ``--help`` (for the services' CLI tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest


def help_of(
    main: Callable[[Sequence[str]], None], capsys: pytest.CaptureFixture[str], *argv: str
) -> str:
    """What ``main([*argv, "--help"])`` prints (it must exit 0)."""
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def listed_commands(
    main: Callable[[Sequence[str]], None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Each command ``--help`` lists, with its one-line help."""
    monkeypatch.setenv("COLUMNS", "120")  # one line each, whatever the terminal
    return {
        line.split(maxsplit=1)[0]: line.split(maxsplit=1)[1]
        for line in help_of(main, capsys).splitlines()
        if line.startswith("    ") and len(line.split(maxsplit=1)) == 2
    }
