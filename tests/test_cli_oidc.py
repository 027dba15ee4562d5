"""`uidp keys rotate` end to end on a scratch SQLite data folder: the first run makes a key, the next retires it
(kept in the JWKS until its tokens have expired), `uidp sweep` reports the chore, production without an
issuer refuses."""

from __future__ import annotations

import re

import pytest

from uidp.cli import main


@pytest.fixture
def scratch(tmp_path, monkeypatch, capsys):
    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE", "UIDP_OIDC_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["migrate"])
    capsys.readouterr()


def test_rotate_makes_a_new_key_and_retires_the_old_one(scratch, capsys):
    main(["keys", "rotate"])
    first = capsys.readouterr().out.splitlines()
    assert len(first) == 1 and re.fullmatch(
        r"signing key [A-Za-z0-9_-]{43} \(ES256\) is active; every worker signs with it within 60 s, "
        r"and the JWKS lists it now",
        first[0],
    )
    kid = first[0].split()[2]
    main(["keys", "rotate"])
    second = capsys.readouterr().out.splitlines()
    assert len(second) == 2 and second[0].split()[2] != kid
    assert second[1].startswith(f"retired {kid}: it verifies and stays in the JWKS until 20")
    main(["sweep"])
    assert "retired OpenID signing keys: 0 deleted" in capsys.readouterr().out.splitlines()


def test_rotate_refuses_when_single_sign_on_is_off(scratch, monkeypatch):
    from tests.support import production_keys

    for name, value in production_keys().items():
        monkeypatch.setenv(f"UIDP_{name.upper()}", value)
    monkeypatch.setenv("UIDP_PROFILE", "production")
    monkeypatch.setenv("UIDP_DATABASE_URL", "sqlite:///nonexistent/never-opened.sqlite3")
    with pytest.raises(SystemExit) as stopped:
        main(["keys", "rotate"])
    assert "single sign-on is off" in str(stopped.value.code)
