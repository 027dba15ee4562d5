"""Every blind-index column is known to the rotation, every lookup of one goes through ``Lookup.on``, and the
settings of a rotation are checked at start."""

from __future__ import annotations

import ast
import base64
from pathlib import Path

import pytest
from tortoise import Tortoise, fields

from uidp.config import ConfigError, Settings
from uidp.runtime import Crypto
from uidp.services.shared.blind_index_rotation import INDEXED_COLUMNS, MOVED_WHEN_SEEN

ROOT = Path(__file__).resolve().parents[3] / "uidp"
# Columns named like a blind index that hold no digest: the pending person id / "<entity>:<applicant>".
NOT_DIGESTS = {("bank_check", "pending_key"), ("delegation_application", "pending_key")}
INDEX_NAMES = {column.field for column in INDEXED_COLUMNS} | {name for _, name, _ in MOVED_WHEN_SEEN}
INDEX_NAMES.discard("pending_key")  # ReviewCases.open is its one reader and writer (both digests)
FILTERS = {"filter", "exclude", "get", "get_or_none", "exists", "first"}
# The holder of the very digest the unique constraint just refused (Bindings.bind): an exact value, not a lookup.
EXACT = {("services/auth/bindings.py", "subject_index")}


@pytest.mark.anyio
async def test_every_blind_index_column_is_rotated(rt):
    known = {(column.model._meta.db_table, column.field) for column in INDEXED_COLUMNS}
    known |= {(model._meta.db_table, name) for model, name, _ in MOVED_WHEN_SEEN}
    found = set()
    for model in (model for app in Tortoise.apps.values() for model in app.values()):
        for name, field in model._meta.fields_map.items():
            if isinstance(field, fields.CharField) and (name.endswith("_index") or name == "pending_key"):
                found.add((model._meta.db_table, name))
    assert found - NOT_DIGESTS == known


def _offending(path: Path) -> list[str]:
    where = str(path.relative_to(ROOT))
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FILTERS):
            continue
        for keyword in node.keywords:
            name = (keyword.arg or "").split("__")[0]
            if name not in INDEX_NAMES or (keyword.arg or "").endswith("__isnull") or (where, name) in EXACT:
                continue
            value = keyword.value
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if isinstance(value, ast.Attribute) and value.attr == name:  # a value read back from the row itself
                continue
            found.append(f"{where}:{node.lineno} {keyword.arg}")
    return found


def test_every_lookup_of_a_blind_index_goes_through_lookup_on():
    offending = [line for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts
                 for line in _offending(path)]  # fmt: skip
    assert not offending, f"match blind indexes with Pii.*_lookup(...).on(column): {offending}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_the_rotation_settings_are_checked_and_wired(tmp_path):
    def make(**values: str) -> Settings:
        return Settings.from_env({"UIDP_DATA_DIR": str(tmp_path)}, **values)

    assert not Crypto.of(make()).blind.rotating
    sm3 = Crypto.of(make(blind_index_algorithm="hmac-sm3", blind_index_algorithm_old="hmac-sha256")).blind
    assert sm3.rotating and sm3.algorithm == "hmac-sm3"
    key_only = Crypto.of(make(blind_index_key_old=_b64(b"o" * 32))).blind
    assert key_only.rotating and key_only.algorithm == "hmac-sha256"
    for values, message in (
        ({"blind_index_algorithm": "sha1"}, "UIDP_BLIND_INDEX_ALGORITHM"),
        ({"blind_index_algorithm_old": "md5"}, "UIDP_BLIND_INDEX_ALGORITHM_OLD"),
        ({"blind_index_key_old": _b64(b"short")}, "UIDP_BLIND_INDEX_KEY_OLD must decode to at least 32 bytes"),
        ({"blind_index_key_old": "not base64!"}, "UIDP_BLIND_INDEX_KEY_OLD is not valid base64"),
    ):
        with pytest.raises(ConfigError, match=message):
            make(**values)
