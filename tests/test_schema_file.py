"""The committed schema.graphql is the schema the code builds (front ends read the file)."""

from __future__ import annotations

import base64
import difflib
from pathlib import Path

from graph.app import build_schema
from uidp.config import Settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
HINT = "schema.graphql is stale; run: uidp schema > schema.graphql"


def current_sdl(settings: Settings) -> str:
    return build_schema(settings).as_str().rstrip("\n") + "\n"


def test_schema_file_is_current(tmp_path):
    assert SCHEMA_FILE.exists(), HINT
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    built = current_sdl(Settings.from_env({}, data_dir=tmp_path))
    if committed.rstrip("\n") + "\n" != built:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True), built.splitlines(keepends=True), "schema.graphql", "built", n=1
            )
        )
        raise AssertionError(f"{HINT}\n{diff[:4000]}")


def test_production_builds_the_same_sdl(tmp_path):
    key = base64.b64encode(b"s" * 32).decode()
    production = Settings.from_env(
        {},
        profile="production",
        data_dir=tmp_path,
        database_url="sqlite://x.db",
        pii_keys=f"k1:{key}",
        blind_index_key=base64.b64encode(b"b" * 32).decode(),
        password_pepper=base64.b64encode(b"p" * 32).decode(),
        secret_key=key,
    )
    assert current_sdl(production) == current_sdl(Settings.from_env({}, data_dir=tmp_path / "dev"))
