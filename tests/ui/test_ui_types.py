"""The UI's API types are generated, and checked in: ui/openapi.json is the document the real app
builds (create_app(...).openapi(), no connection opened), and ui/src/api/schema.d.ts is what the
pinned openapi-typescript makes of it. A schema change the UI has not followed fails here, with the
command that regenerates both (`make ui-types`); the UI's build then type-checks its code against them."""

import difflib
from pathlib import Path

import pytest

from framewise_dev.ui_types import OPENAPI_JSON, SCHEMA_TS, openapi_document, render, typescript_for

pytestmark = pytest.mark.ui
REGENERATE = "the API's schema changed: run `make ui-types` and commit ui/openapi.json and ui/src/api/schema.d.ts"


def differences(checked_in: str, now: str, name: str) -> str:
    lines = difflib.unified_diff(
        checked_in.splitlines(), now.splitlines(), f"{name} (checked in)", f"{name} (now)", lineterm="", n=2
    )
    return "\n".join(list(lines)[:80])


def test_the_checked_in_openapi_document_is_the_apps() -> None:
    now = render(openapi_document())
    checked_in = OPENAPI_JSON.read_text()
    assert checked_in == now, f"{REGENERATE}\n{differences(checked_in, now, 'ui/openapi.json')}"


def test_the_checked_in_types_are_what_openapi_typescript_makes_of_the_document(ui_dist: Path) -> None:
    # ui_dist: node_modules installed (the pinned openapi-typescript) and the UI type-checked against the types.
    now = typescript_for(OPENAPI_JSON)
    checked_in = SCHEMA_TS.read_text()
    assert checked_in == now, f"{REGENERATE}\n{differences(checked_in, now, 'ui/src/api/schema.d.ts')}"


def test_the_check_fails_on_a_document_the_types_do_not_follow(ui_dist: Path, tmp_path: Path) -> None:
    """The comparison is not vacuous: a changed document makes other types."""
    changed = tmp_path / "openapi.json"
    text = OPENAPI_JSON.read_text()
    assert '"missing"' in text  # the video status the hand-written types lacked
    changed.write_text(text.replace('"missing"', '"gone"', 1))
    assert typescript_for(changed) != SCHEMA_TS.read_text()
