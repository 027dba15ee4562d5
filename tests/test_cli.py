"""The `uidp` command end to end on a scratch SQLite data folder (migrate, staff, import, dev readers)."""

from __future__ import annotations

import asyncio
import getpass
import json

import pytest

from tests.support import resident_id
from uidp.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in ("UIDP_DATABASE_URL", "UIDP_STORE_URL", "UIDP_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UIDP_BCRYPT_ROUNDS", "4")
    main(["migrate"])
    return tmp_path / "data"


def audit_actors(data_dir) -> dict[str, tuple[str | None, str | None]]:
    """event type -> (actor kind, actor name) for the events the CLI wrote to the scratch database."""
    from tortoise import Tortoise

    from uidp.config import Settings
    from uidp.db import tortoise_config
    from uidp.models.audit import AuditEvent

    async def read() -> dict[str, tuple[str | None, str | None]]:
        await Tortoise.init(config=tortoise_config(Settings.from_env({}, data_dir=data_dir)))
        try:
            return {e.event_type: (e.actor_kind, e.details.get("actor")) for e in await AuditEvent.all()}
        finally:
            await Tortoise.close_connections()

    return asyncio.run(read())


def test_migrate_makes_the_database(env):
    assert (env / "uidp.sqlite3").exists()
    assert json.loads((env / "dev-keys.json").read_text())["pii_keys"].startswith("dev1:")


def test_create_staff(env, capsys):
    main(["create-staff", "alice", "--role", "reviewer"])
    out = capsys.readouterr().out
    assert "created staff alice (reviewer)" in out and "setup code for alice: " in out
    with pytest.raises(SystemExit) as duplicate:
        main(["create-staff", "alice", "--role", "reviewer"])
    assert "已存在" in str(duplicate.value)
    with pytest.raises(SystemExit) as no_role:
        main(["create-staff", "bob"])
    assert "roles" in str(no_role.value)
    with pytest.raises(SystemExit):
        main(["create-staff", "bob", "--role", "reviewer", "--password", "Staff#2026pw"])  # no such option
    main(["reset-staff-totp", "alice"])
    # alice has not enrolled: nobody, the operator included, can mint a token as her
    with pytest.raises(SystemExit) as refused:
        main(["create-token", "alice", "--scope", "review", "--password", "Staff#2026pw", "--totp-code", "123456"])
    assert "password" in str(refused.value)
    actor = ("cli", f"cli:{getpass.getuser()}")
    actors = audit_actors(env)
    assert actors["staff.created"] == actors["staff.setup_code_issued"] == actor
    assert "api_token.created" not in actors and "staff.proof_failed" in actors


def test_import_persons_reports_lines(env, tmp_path, capsys):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "name,certificate_type,certificate_number,phone\n"
        f"陈心,,{resident_id()},15012340058\n"
        f"王五,,{resident_id(seq='131')},1501234\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as done:
        main(["import-persons", str(csv_file)])
    assert done.value.code == 1
    captured = capsys.readouterr()
    assert "imported 1 persons, rejected 1 rows" in captured.out
    assert f"{csv_file}:3: phone:" in captured.err
    assert "1501234" not in captured.err.replace(str(csv_file), "")  # rows' PII is not echoed
    assert audit_actors(env)["persons.imported"] == ("cli", f"cli:{getpass.getuser()}")


def test_sms_outbox_and_captcha_answer(env, capsys):
    from uidp.sandbox_outbox import JsonLinesOutbox

    JsonLinesOutbox(env / "sandbox-sms-outbox.jsonl").append_sync(
        {"phone": "15012340058", "text": "验证码123456", "purpose": "REGISTER"}
    )
    JsonLinesOutbox(env / "dev-captcha-answers.jsonl").append_sync({"captchaId": "abc", "answer": "K7PQ"})
    main(["sms-outbox", "--phone", "15012340058"])
    assert "验证码123456" in capsys.readouterr().out
    main(["captcha-answer", "abc"])
    assert capsys.readouterr().out.strip() == "K7PQ"
    with pytest.raises(SystemExit):
        main(["captcha-answer", "nope"])


def test_seed_persons(env, capsys):
    main(["seed-persons", "--count", "3", "--password", "Bench#Pass2026"])
    assert capsys.readouterr().out.split() == ["13900000000", "13900000001", "13900000002"]
    assert audit_actors(env)["persons.seeded"] == ("cli", f"cli:{getpass.getuser()}")


def test_settings_table(capsys):
    main(["settings"])
    out = capsys.readouterr().out
    assert "`UIDP_PROFILE`" in out and "`UIDP_PII_ALGORITHM`" in out


def test_sweep_uploads_deletes_only_expired_unclaimed_uploads(env, capsys):
    import uuid
    from datetime import UTC, datetime, timedelta

    from uidp.cli import _with_db
    from uidp.config import Settings
    from uidp.models.upload import DocumentKind, Upload

    now = datetime.now(UTC)

    async def add(age: timedelta, owner: uuid.UUID | None = None) -> None:
        await Upload.create(
            id=uuid.uuid4(), kind=DocumentKind.SUPPORTING, content_type="image/png", size=1, sha256="0" * 64,
            content_enc=b"x", owner_kind="person" if owner else None, owner_id=owner, created_at=now - age,
        )  # fmt: skip

    async def seed() -> None:
        await add(timedelta(days=2))
        await add(timedelta(minutes=5))
        await add(timedelta(days=2), owner=uuid.uuid4())

    _with_db(Settings.from_env(), seed)
    main(["sweep-uploads"])
    assert "deleted 1 unclaimed uploads older than 86400 s" in capsys.readouterr().out

    async def count() -> int:
        return await Upload.all().count()

    assert _with_db(Settings.from_env(), count) == 2


def test_sweep_runs_every_chore_once_and_expires_grants(env, capsys):
    import uuid
    from datetime import UTC, datetime, timedelta

    from uidp.cli import _with_db
    from uidp.config import Settings
    from uidp.models.grant import Grant

    now = datetime.now(UTC)
    grant_id = uuid.uuid4()

    async def seed() -> None:
        await Grant.create(
            id=grant_id, entity_id=uuid.uuid4(), root_id=grant_id, depth=1, grantor_id=uuid.uuid4(),
            grantee_id=uuid.uuid4(), scope=["tax"], starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(minutes=1), created_at=now, updated_at=now,
        )  # fmt: skip

    _with_db(Settings.from_env(), seed)
    main(["sweep"])
    out = capsys.readouterr().out
    assert "unclaimed uploads: 0 deleted" in out
    assert "grants: expired 1 grants (0 below them ended, 0 proxy sessions ended), sent 0 expiry reminders" in out

    async def state() -> str:
        return (await Grant.get(id=grant_id)).state.value

    assert _with_db(Settings.from_env(), state) == "EXPIRED"
