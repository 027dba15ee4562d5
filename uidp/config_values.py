"""Reading setting values from the environment: the parsing, base64 keys, and the one-line ConfigError."""

from __future__ import annotations

import base64
import secrets
from dataclasses import field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot run; the message is one line that says what is wrong."""


def doc(default: str, meaning: str) -> dict[str, Any]:
    """A setting's field metadata: its default as the README shows it, and what it means."""
    return {"default_doc": default, "meaning": meaning}


def setting(default: str | int | float | bool, meaning: str) -> Any:
    """A setting's dataclass field whose default the README shows as it is (booleans as `true`/`false`)."""
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    return field(default=default, metadata=doc(shown, meaning))


def parse_value(type_name: Any, raw: str, name: str) -> Any:
    kind = str(type_name)
    if "bool" in kind:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"UIDP_{name.upper()} must be true or false, not {raw!r}")
    if kind == "int":
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"UIDP_{name.upper()} must be a whole number, not {raw!r}") from exc
    if kind == "float":
        try:
            return float(raw)
        except ValueError as exc:
            raise ConfigError(f"UIDP_{name.upper()} must be a number, not {raw!r}") from exc
    if kind == "Path":
        return Path(raw)
    return raw


def b64(value: str, variable: str) -> bytes:
    try:
        return base64.b64decode(value.encode(), validate=True)
    except ValueError as exc:
        raise ConfigError(f"{variable} is not valid base64") from exc


def new_key(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()
