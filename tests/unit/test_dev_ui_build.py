"""`make run` builds the web UI only when the API is to serve the repository's build."""

import pytest

from framewise_dev import run


def test_the_ui_is_not_built_when_the_api_is_told_to_serve_another_folder_or_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[bool] = []
    monkeypatch.setattr(run, "build_ui", lambda: built.append(True) or True)
    run.ensure_ui({"UI_DIR": ""})
    run.ensure_ui({"UI_DIR": "/srv/framewise-ui"})
    assert built == []
    run.ensure_ui({})
    assert built == [True]
