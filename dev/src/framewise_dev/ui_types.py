"""The web UI's API types, generated: the API's OpenAPI document as the real app builds it (no
connection opened), written to ui/openapi.json, and openapi-typescript's types for it in
ui/src/api/schema.d.ts. Both are checked in; `make ui-types` (this module) regenerates them, and
tests/ui/test_ui_types.py fails when either is not what the app and openapi-typescript make now."""

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from framewise_dev.ui_build import UI_DIR, UiBuildError, npm

OPENAPI_JSON = UI_DIR / "openapi.json"
SCHEMA_TS = UI_DIR / "src" / "api" / "schema.d.ts"


def openapi_document() -> dict[str, Any]:
    """The document `create_app` serves at /openapi.json, built from fixed settings (never the environment's)."""
    from framewise_api.main import create_app  # the API's import: only this module needs it
    from framewise_api.settings import ApiSettings

    names = set(ApiSettings.model_fields) | {n.upper() for n in ApiSettings.model_fields}
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in names}  # defaults only, as a fresh clone
    try:
        settings = ApiSettings(  # type: ignore[call-arg]
            _env_file=None,
            database_url="postgresql://unused/unused",
            valkey_url="redis://unused",
            media_roots=["/media"],
            api_tokens=["openapi-dump-token-0123456789"],
            ui_dir=Path("/nonexistent"),
        )
    finally:
        os.environ.update(saved)
    return create_app(settings).openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def typescript_for(openapi_json: Path) -> str:
    """What openapi-typescript (ui/node_modules, the pinned version) makes of the document."""
    binary = UI_DIR / "node_modules" / ".bin" / "openapi-typescript"
    if not binary.exists():
        raise UiBuildError(f"{binary} is missing: run `npm ci` in {UI_DIR} (make ui-types does)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "schema.d.ts"
        done = subprocess.run(
            [str(binary), str(openapi_json), "--output", str(out)],
            cwd=UI_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise UiBuildError(f"openapi-typescript failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return out.read_text()


def regenerate() -> list[Path]:
    """Write ui/openapi.json and ui/src/api/schema.d.ts; the files that changed."""
    changed = []
    text = render(openapi_document())
    if not OPENAPI_JSON.exists() or OPENAPI_JSON.read_text() != text:
        OPENAPI_JSON.write_text(text)
        changed.append(OPENAPI_JSON)
    types = typescript_for(OPENAPI_JSON)
    if not SCHEMA_TS.exists() or SCHEMA_TS.read_text() != types:
        SCHEMA_TS.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_TS.write_text(types)
        changed.append(SCHEMA_TS)
    return changed


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    if npm() is None:
        raise SystemExit("npm is not installed: the web UI needs Node 20+ and npm")
    changed = regenerate()
    for path in changed:
        print(f"wrote {path.relative_to(UI_DIR.parent)}")
    if not changed:
        print("ui/openapi.json and ui/src/api/schema.d.ts are up to date")


if __name__ == "__main__":
    main()
