"""`uidp sweep` end to end on a scratch SQLite data folder."""

from __future__ import annotations

from uidp.cli import main


def test_sweep_prints_one_line_per_chore(tmp_path, monkeypatch, capsys):
    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["migrate"])
    capsys.readouterr()
    main(["sweep"])
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "unclaimed uploads: 0 deleted",
        "audit events older than 1095 days: 0 deleted",
        "sessions ended over 30 days ago: 0 deleted",
        "expired staff enrolment codes: 0 deleted",
        "grants: expired 0 grants (0 below them ended, 0 proxy sessions ended), sent 0 expiry reminders",
        "retired OpenID signing keys: 0 deleted",
        "OpenID authorizations and tokens finished over 30 days ago: 0 deleted",
        "OpenID logout and event deliveries finished over 30 days ago: 0 deleted",
    ]


def test_the_key_commands_on_a_current_database(tmp_path, monkeypatch, capsys):
    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["migrate"])
    capsys.readouterr()
    main(["keys", "rotate-pii", "--batch", "10"])
    assert capsys.readouterr().out.splitlines() == ["every sealed value is under the active key"]
    main(["keys", "rotate-pepper"])
    assert capsys.readouterr().out.startswith("no pepper rotation is configured")


def test_rotate_blind_index_moves_seeded_persons_to_hmac_sm3(tmp_path, monkeypatch, capsys):
    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["migrate"])
    main(["seed-persons", "--count", "3", "--password", "Seed#Pass2026"])
    capsys.readouterr()
    main(["keys", "rotate-blind-index"])
    assert capsys.readouterr().out.splitlines() == ["every blind index is under the current key"]
    monkeypatch.setenv("UIDP_BLIND_INDEX_ALGORITHM", "hmac-sm3")
    monkeypatch.setenv("UIDP_BLIND_INDEX_ALGORITHM_OLD", "hmac-sha256")
    main(["keys", "rotate-blind-index", "--batch", "2"])
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "person.certificate_index: 3 digests moved to the current key",
        "person.login_index: 3 digests moved to the current key",
        "person.phone_index: 3 digests moved to the current key",
        "remove UIDP_BLIND_INDEX_KEY_OLD / UIDP_BLIND_INDEX_ALGORITHM_OLD and restart the workers",
    ]
    assert "person.phone_index: 2 moved so far" in captured.err.splitlines()
    monkeypatch.delenv("UIDP_BLIND_INDEX_ALGORITHM_OLD")
    main(["keys", "rotate-blind-index"])
    assert capsys.readouterr().out.splitlines() == ["every blind index is under the current key"]
