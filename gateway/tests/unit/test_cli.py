from __future__ import annotations

import pytest

from gateway.__main__ import main


def test_migrate_is_accepted_and_does_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])

    assert "nothing to migrate" in capsys.readouterr().out


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["launch"])

    assert exit_info.value.code == 2
