"""Settings: dev keys generated once and kept; production refusals, one line each; `uidp settings`."""

from __future__ import annotations

import base64
import dataclasses
import json
import stat

import pytest

from uidp.cli import main
from uidp.config import ConfigError, Settings

KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()  # 32 bytes
BLIND_KEY = base64.b64encode(b"blind-index-key-for-the-tests-ok").decode()
PEPPER = base64.b64encode(b"password-pepper-for-the-tests-ok").decode()
SHORT_KEY = base64.b64encode(b"too short").decode()

KEY_VARIABLES = ("UIDP_PII_KEYS", "UIDP_BLIND_INDEX_KEY", "UIDP_PASSWORD_PEPPER", "UIDP_SECRET_KEY")


def production_env(tmp_path, **changes: str | None) -> dict[str, str]:
    """A complete production environment; ``None`` removes a variable."""
    env = {
        "UIDP_PROFILE": "production",
        "UIDP_DATA_DIR": str(tmp_path / "data"),
        "UIDP_DATABASE_URL": "postgres://uidp@db.internal:5432/uidp",
        "UIDP_PII_KEYS": f"k2026a:{KEY}",
        "UIDP_BLIND_INDEX_KEY": BLIND_KEY,
        "UIDP_PASSWORD_PEPPER": PEPPER,
        "UIDP_SECRET_KEY": KEY,
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


DISTINCT_KEYS = "UIDP_PASSWORD_PEPPER, UIDP_BLIND_INDEX_KEY and UIDP_SECRET_KEY must be three different keys"


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    assert message and "\n" not in message, f"not one line: {message!r}"
    return message


# ---- dev profile ------------------------------------------------------------------------------


def test_dev_generates_keys_once_and_keeps_them(tmp_path):
    data = tmp_path / "data"
    first = Settings.from_env({"UIDP_DATA_DIR": str(data)})
    path = data / "dev-keys.json"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored) == {"pii_keys", "blind_index_key", "password_pepper", "secret_key"}
    assert first.pii_keys == stored["pii_keys"] and first.pii_keys.startswith("dev1:")
    for name in ("blind_index_key", "password_pepper", "secret_key"):
        assert getattr(first, name) == stored[name]
        assert len(first.key_bytes(name)) == 32
    keys, active = first.pii_key_map()
    assert active == "dev1" and len(keys["dev1"]) == 32

    second = Settings.from_env({"UIDP_DATA_DIR": str(data)})
    for name in ("pii_keys", "blind_index_key", "password_pepper", "secret_key"):
        assert getattr(second, name) == getattr(first, name)
    assert json.loads(path.read_text()) == stored

    other = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path / "elsewhere")})
    assert other.secret_key != first.secret_key  # random, not a fixed dev key


def test_dev_keeps_keys_given_explicitly(tmp_path):
    settings = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path), "UIDP_SECRET_KEY": KEY})
    assert settings.secret_key == KEY
    assert "secret_key" not in json.loads((tmp_path / "dev-keys.json").read_text())


def test_dev_defaults(tmp_path):
    settings = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path)})
    assert settings.profile == "dev"
    assert settings.ide_enabled and settings.introspection_enabled and settings.dev_peek_enabled
    assert not settings.secure_cookie
    assert settings.resolved_database_url() == f"sqlite://{tmp_path / 'uidp.sqlite3'}"


# ---- production -------------------------------------------------------------------------------


def test_production_accepts_a_complete_environment(tmp_path):
    settings = Settings.from_env(production_env(tmp_path))
    assert settings.is_production
    assert not settings.ide_enabled and not settings.introspection_enabled and not settings.dev_peek_enabled
    assert settings.secure_cookie
    assert settings.bcrypt_rounds == 12
    assert not (tmp_path / "data" / "dev-keys.json").exists()  # production never generates keys


@pytest.mark.parametrize("variable", KEY_VARIABLES)
def test_production_refuses_a_missing_key(tmp_path, variable):
    message = refusal(production_env(tmp_path, **{variable: None}))
    assert message == f"{variable} is required in the production profile"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"UIDP_GRAPHQL_IDE": "true"}, "UIDP_GRAPHQL_IDE must be off in production"),
        ({"UIDP_INTROSPECTION": "on"}, "UIDP_INTROSPECTION must be off in production"),
        ({"UIDP_DEV_PEEK": "1"}, "UIDP_DEV_PEEK must be off in production"),
        ({"UIDP_BCRYPT_ROUNDS": "11"}, "UIDP_BCRYPT_ROUNDS must be at least 12 in production"),
        ({"UIDP_DATABASE_URL": None}, "UIDP_DATABASE_URL is required in production"),
        ({"UIDP_GRAPHQL_IDE": "maybe"}, "UIDP_GRAPHQL_IDE must be true or false, not 'maybe'"),
        ({"UIDP_ALLOW_SANDBOX": "yes please"}, "UIDP_ALLOW_SANDBOX must be true or false, not 'yes please'"),
        ({"UIDP_BCRYPT_ROUNDS": "twelve"}, "UIDP_BCRYPT_ROUNDS must be a whole number, not 'twelve'"),
        ({"UIDP_BLIND_INDEX_KEY": "not base64!"}, "UIDP_BLIND_INDEX_KEY is not valid base64"),
        ({"UIDP_PASSWORD_PEPPER": "%%%%"}, "UIDP_PASSWORD_PEPPER is not valid base64"),
        ({"UIDP_PII_KEYS": "k1:***"}, "UIDP_PII_KEYS is not valid base64"),
        ({"UIDP_SECRET_KEY": SHORT_KEY}, "UIDP_SECRET_KEY must decode to at least 32 bytes"),
        ({"UIDP_PROFILE": "staging"}, "UIDP_PROFILE must be dev or production, not 'staging'"),
        ({"UIDP_PII_ALGORITHM": "des"}, "UIDP_PII_ALGORITHM must be aes-256-gcm or sm4-gcm"),
        ({"UIDP_REGISTRATION_WINDOW": "8-6"}, "UIDP_REGISTRATION_WINDOW must look like 08:00-18:00"),
        ({"UIDP_COOKIE_SECURE": "off"}, "UIDP_COOKIE_SECURE must be on in production (the session cookie is __Host-)"),
        ({"UIDP_PASSWORD_PEPPER": KEY}, DISTINCT_KEYS),
        ({"UIDP_BLIND_INDEX_KEY": KEY}, DISTINCT_KEYS),
        ({"UIDP_BLIND_INDEX_KEY": PEPPER}, DISTINCT_KEYS),
    ],
)
def test_production_refusals_are_one_line_naming_the_variable(tmp_path, changes, expected):
    assert refusal(production_env(tmp_path, **changes)) == expected


def test_production_accepts_each_switch_turned_off_explicitly(tmp_path):
    env = production_env(
        tmp_path, UIDP_GRAPHQL_IDE="false", UIDP_INTROSPECTION="off", UIDP_DEV_PEEK="0", UIDP_BCRYPT_ROUNDS="13"
    )
    assert Settings.from_env(env).bcrypt_rounds == 13


def test_a_bad_boolean_is_refused_in_dev_too(tmp_path):
    message = refusal({"UIDP_DATA_DIR": str(tmp_path), "UIDP_COOKIE_SECURE": "nah"})
    assert message == "UIDP_COOKIE_SECURE must be true or false, not 'nah'"


# ---- `uidp settings` --------------------------------------------------------------------------


def test_uidp_settings_lists_every_field(capsys):
    main(["settings"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| `UIDP_")]
    names = [field.name for field in dataclasses.fields(Settings)]
    assert len(rows) == len(names)
    for name in names:
        assert f"| `UIDP_{name.upper()}` |" in out, f"`uidp settings` leaves out {name}"
