"""`uidp create-staff` (TOTP enrolment), `uidp create-token` and `uidp gql` end to end, in-process."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

import pytest

from uidp.cli import main
from uidp.security.totp import totp

LIST_ITEMS = "query { serviceItems { code name delegable } }"
UPSERT = """mutation Save($code: String!, $name: String!) {
  upsertServiceItem(input: {code: $code, name: $name, delegable: true}) {
    __typename ... on ServiceItemSaved { item { code name } } ... on Error { code message field } } }"""
AUDIT = "query { auditEvents(first: 3) { edges { node { eventType } } } }"


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    for name in ("UIDP_STORE_URL", "UIDP_PROFILE", "UIDP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UIDP_DATABASE_URL", database_url)
    monkeypatch.setenv("UIDP_BCRYPT_ROUNDS", "4")
    return tmp_path


def operation(tmp_path, text: str) -> str:
    path = tmp_path / f"op-{uuid.uuid4().hex[:6]}.graphql"
    path.write_text(text, encoding="utf-8")
    return str(path)


SECRETS: dict[str, bytes] = {}  # username -> the member's TOTP secret, as their authenticator holds it


@pytest.fixture
def operator(env, capsys) -> str:
    username = f"op{uuid.uuid4().hex[:6]}"
    main(["create-staff", username, "--role", "operator"])
    out = capsys.readouterr().out
    assert f"created staff {username} (operator)" in out
    assert "otpauth" not in out and "secret" not in out  # the operator never sees the member's second factor
    assert asyncio.run(enrol_in_process(username, setup_code(out, username)))["__typename"] == "LoginSuccess"
    return username


def setup_code(out: str, username: str) -> str:
    found = re.search(rf"setup code for {username}: ([A-Z0-9-]+) ", out)
    assert found, out
    return found.group(1)


async def enrol_in_process(username: str, code: str) -> dict:
    """Enrol through the app's GraphQL, as the member's browser would."""
    import httpx

    from tests.support import COMPLETE_ENROLMENT, START_ENROLMENT
    from uidp.app import create_app
    from uidp.security.totp import b32decode, totp

    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
        async with httpx.AsyncClient(transport=transport, base_url="http://uidp.local") as http:
            started = (
                await http.post(
                    "/graphql",
                    json={"query": START_ENROLMENT, "variables": {"i": {"username": username, "setupCode": code}}},
                )
            ).json()["data"]["startStaffEnrolment"]
            if started["__typename"] != "StaffEnrolmentStarted":
                return started
            SECRETS[username] = b32decode(started["totpSecret"])
            form = {
                "enrolmentToken": started["enrolmentToken"],
                "totpCode": totp(SECRETS[username], app.state.runtime.clock.now()),
                "password": "Staff#2026pw",
                "passwordConfirmation": "Staff#2026pw",
            }
            done = await http.post("/graphql", json={"query": COMPLETE_ENROLMENT, "variables": {"i": form}})
            return done.json()["data"]["completeStaffEnrolment"]


def next_code(username: str) -> str:
    """The authenticator's code for the next 30-second step (enrolment spent the current one)."""
    return totp(SECRETS[username], time.time() + 30)


def make_token(capsys, username: str, *scopes: str, days: int = 7) -> str:
    args = ["create-token", username, "--days", str(days), "--name", "sync"]
    args += ["--password", "Staff#2026pw", "--totp-code", next_code(username)]
    for scope in scopes:
        args += ["--scope", scope]
    main(args)
    captured = capsys.readouterr()
    token = captured.out.strip()
    assert token.startswith("uidp_pat_") and token not in captured.err
    return token


def run_gql(capsys, *args: str) -> tuple[int, dict]:
    code = 0
    try:
        main(["gql", *args])
    except SystemExit as done:
        code = int(done.code or 0)
    return code, json.loads(capsys.readouterr().out)


def test_gql_runs_operations_with_a_token(env, operator, capsys):
    token = make_token(capsys, operator, "catalogue")
    upsert = operation(env, UPSERT)
    code, body = run_gql(capsys, upsert, "--vars", '{"code": "tax.x", "name": "税务"}', "--token", token)
    assert code == 0 and body["data"]["upsertServiceItem"]["item"] == {"code": "TAX.X", "name": "税务"}
    vars_file = env / "vars.json"
    vars_file.write_text('{"code": "坏", "name": "x"}', encoding="utf-8")
    code, body = run_gql(capsys, upsert, "--vars", f"@{vars_file}", "--token", token)
    assert code == 2 and body["data"]["upsertServiceItem"]["code"] == "INVALID_FORMAT"
    code, body = run_gql(capsys, operation(env, LIST_ITEMS), "--token", token)
    assert code == 0 and {"code": "TAX.X", "name": "税务", "delegable": True} in body["data"]["serviceItems"]


def test_gql_token_from_environment_and_scope_errors(env, operator, capsys, monkeypatch):
    monkeypatch.setenv("UIDP_TOKEN", make_token(capsys, operator, "catalogue"))
    code, body = run_gql(capsys, operation(env, AUDIT))
    assert code == 1 and body["errors"][0]["extensions"]["code"] in ("TOKEN_SCOPE", "FORBIDDEN")
    code, body = run_gql(capsys, operation(env, "query { nope }"))
    assert code == 1 and "nope" in body["errors"][0]["message"]


def test_gql_refuses_bad_arguments(env, capsys):
    path = operation(env, LIST_ITEMS)
    with pytest.raises(SystemExit) as no_token:
        main(["gql", path])
    assert "UIDP_TOKEN" in str(no_token.value.code)
    with pytest.raises(SystemExit) as bad_vars:
        main(["gql", path, "--token", "uidp_pat_x", "--vars", "{not json"])
    assert "uidp:" in str(bad_vars.value.code)
    with pytest.raises(SystemExit) as not_object:
        main(["gql", path, "--token", "uidp_pat_x", "--vars", "[1]"])
    assert "JSON object" in str(not_object.value.code)


def test_expired_and_unknown_tokens(env, operator, capsys):
    from datetime import UTC, datetime, timedelta

    from tortoise import Tortoise

    from uidp.config import Settings
    from uidp.db import tortoise_config
    from uidp.models.staff_token import StaffApiToken
    from uidp.security.tokens import token_digest

    token = make_token(capsys, operator, "catalogue", days=1)

    async def expire() -> None:
        await Tortoise.init(config=tortoise_config(Settings.from_env()))
        try:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await StaffApiToken.filter(token_hash=token_digest(token)).update(expires_at=past)
        finally:
            await Tortoise.close_connections()

    import asyncio

    asyncio.run(expire())
    code, body = run_gql(capsys, operation(env, UPSERT), "--vars", '{"code": "A", "name": "a"}', "--token", token)
    assert code == 2 and body["data"]["upsertServiceItem"]["code"] == "TOKEN_EXPIRED"
    code, body = run_gql(capsys, operation(env, AUDIT), "--token", "uidp_pat_unknown")
    assert code == 1 and body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


def test_create_token_needs_the_members_password_and_code(env, operator, monkeypatch, capsys):
    proof = ["--password", "Staff#2026pw", "--totp-code"]
    with pytest.raises(SystemExit) as unknown:
        main(["create-token", "ghost", "--scope", "audit", *proof, "123456"])
    assert "password" in str(unknown.value.code)
    with pytest.raises(SystemExit) as wrong_password:
        main(["create-token", operator, "--scope", "audit", "--password", "Wrong#2026pw", "--totp-code", "1"])
    assert "password" in str(wrong_password.value.code)
    with pytest.raises(SystemExit) as scope:
        main(["create-token", operator, "--scope", "everything", *proof, next_code(operator)])
    assert "scopes" in str(scope.value.code)
    # prompted when left out, never echoed
    answers = iter(["Staff#2026pw", next_code(operator)])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(SystemExit) as replayed:  # the code the scope error spent cannot be used again
        main(["create-token", operator, "--scope", "catalogue"])
    assert "password" in str(replayed.value.code)


def test_staff_made_on_the_cli_enrol_through_graphql(env, capsys):
    main(["create-staff", "carol", "--role", "reviewer"])
    code = setup_code(capsys.readouterr().out, "carol")
    done = asyncio.run(enrol_in_process("carol", code))
    assert done["__typename"] == "LoginSuccess" and done["viewer"]["username"] == "carol"
    assert asyncio.run(enrol_in_process("carol", code))["code"] == "SETUP_CODE_INVALID"  # single use


def test_reset_staff_totp(env, capsys):
    main(["create-staff", "dave", "--role", "reviewer"])
    first = setup_code(capsys.readouterr().out, "dave")
    assert asyncio.run(enrol_in_process("dave", first))["__typename"] == "LoginSuccess"
    main(["reset-staff-totp", "dave"])
    out = capsys.readouterr().out
    assert "no longer works" in out and "otpauth" not in out
    started = asyncio.run(enrol_in_process("dave", setup_code(out, "dave")))
    # the operator's code alone does not finish a reset: the member's current password is asked
    assert (started["code"], started["field"]) == ("REQUIRED", "currentPassword")
    with pytest.raises(SystemExit) as unknown:
        main(["reset-staff-totp", "ghost"])
    assert "username" in str(unknown.value.code)


def test_gql_against_a_running_server(env, operator, capsys):
    import socket
    import threading
    import time

    import uvicorn

    from uidp.app import create_app

    token = make_token(capsys, operator, "catalogue")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/graphql"
        variables = '{"code": "REMOTE", "name": "远程"}'
        code, body = run_gql(capsys, operation(env, UPSERT), "--vars", variables, "--token", token, "--url", url)
        assert code == 0 and body["data"]["upsertServiceItem"]["item"]["code"] == "REMOTE"
    finally:
        server.should_exit = True
        thread.join(10)
