"""The `uidp` command: serve, migrate, staff and data chores, dev readers; plugins add their own commands."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pluggy import PluginValidationError

from uidp.cli_ops import add_operations_commands
from uidp.commands import CommandParser, add_plugin_commands
from uidp.config import ConfigError, Settings, settings_docs
from uidp.domain.accounts import StaffRole
from uidp.hookspecs import PluginError
from uidp.services.shared.principal import CLI_CLIENT, cli_actor


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        sys.exit(f"uidp: {error}")


def _with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``work`` with Tortoise initialised (for commands that touch data)."""
    from tortoise import Tortoise

    from uidp.db import tortoise_config

    async def main() -> Any:
        await Tortoise.init(config=tortoise_config(settings))
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    return asyncio.run(main())


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _settings()
    if not args.no_migrate:
        cmd_migrate(args)
    from uidp.app import create_app
    from uidp.http.server import serve
    from uidp.observability.multiproc import prepare_metrics_dir, serve_metrics

    prepare_metrics_dir(args.workers)  # before the app and the workers import the metrics
    try:
        create_app(settings)  # fail fast, in one line, before any worker starts
    except (ConfigError, PluginError, PluginValidationError, ImportError) as error:
        sys.exit(f"uidp: cannot start: {error}")
    if settings.metrics_address is not None:
        serve_metrics(settings.metrics_address)
    serve(
        factory="uidp.app:create_app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        drain_seconds=settings.drain_seconds,
        shutdown_timeout=settings.shutdown_timeout_seconds,
        access_log=args.access_log,
    )


def cmd_migrate(args: argparse.Namespace) -> None:
    from uidp.db import migrate

    report = asyncio.run(migrate(_settings()))
    print("migrations applied", *report.messages(), sep="\n", file=sys.stderr)


def cmd_makemigrations(args: argparse.Namespace) -> None:
    from tortoise.cli.cli import CLIContext, makemigrations

    asyncio.run(makemigrations(CLIContext("uidp.db.TORTOISE_ORM", None), (), False, args.name))


def _print_setup_code(username: str, code: str, expires_at: Any, *, reset: bool) -> None:
    print(f"setup code for {username}: {code} (single use, valid until {expires_at.isoformat()})")
    print(
        f"hand it to {username} out of band; they "
        + ("prove their current password and enrol a new authenticator" if reset else "set their password and TOTP")
        + " at first login (startStaffEnrolment / completeStaffEnrolment); nobody else learns them"
    )


def cmd_create_staff(args: argparse.Namespace) -> None:
    from uidp.domain.errors import DomainError
    from uidp.runtime import Runtime
    from uidp.services.staff.staff import StaffService

    settings = _settings()

    async def work() -> None:
        rt = Runtime.build(settings)
        try:
            staff, setup = await StaffService(rt).create(
                args.username,
                args.display_name or args.username,
                [StaffRole(r) for r in args.role],
                actor=cli_actor(),
                client=CLI_CLIENT,
            )
        except DomainError as error:
            sys.exit(f"uidp: {error.field}: {error.message}")
        finally:
            await rt.close()
        print(f"created staff {staff.username} ({', '.join(staff.roles)})")
        _print_setup_code(staff.username, setup.code, setup.expires_at, reset=False)

    _with_db(settings, work)


def cmd_sweep_uploads(args: argparse.Namespace) -> None:
    from uidp.chores import sweep_uploads_once

    settings = _settings()
    print(_with_db(settings, lambda: sweep_uploads_once(settings)))


def cmd_reset_staff_totp(args: argparse.Namespace) -> None:
    from uidp.domain.errors import DomainError
    from uidp.runtime import Runtime
    from uidp.services.staff.staff import StaffService
    from uidp.services.staff.staff_enrolment import TOTP_RESET

    settings = _settings()

    async def work() -> None:
        rt = Runtime.build(settings)
        try:
            setup = await StaffService(rt).new_setup_code(args.username, actor=cli_actor(), client=CLI_CLIENT)
        except DomainError as error:
            sys.exit(f"uidp: {error.field}: {error.message}")
        finally:
            await rt.close()
        if setup.purpose == TOTP_RESET:
            print(f"the old second factor of {args.username} no longer works and their sessions have ended")
        _print_setup_code(
            args.username.strip().lower(), setup.code, setup.expires_at, reset=setup.purpose == TOTP_RESET
        )

    _with_db(settings, work)


def cmd_create_token(args: argparse.Namespace) -> None:
    from uidp.domain.errors import DomainError
    from uidp.runtime import Runtime
    from uidp.services.auth.api_tokens import ApiTokens
    from uidp.services.staff.staff import StaffService

    settings = _settings()
    # the member proves it is them: a token is minted by and for its owner, at the shell too
    password = args.password or getpass.getpass(f"password of {args.username}: ")
    code = args.totp_code or getpass.getpass("TOTP code: ")

    async def work() -> None:
        rt = Runtime.build(settings)
        try:
            owner = await StaffService(rt).prove_owner(args.username, password, code, label=cli_actor().label)
            issued = await ApiTokens(rt).create(
                staff_username=args.username,
                name=args.name,
                scopes=args.scope,
                expires_in_days=args.days,
                actor=owner,
                client=CLI_CLIENT,
            )
        except DomainError as error:
            sys.exit(f"uidp: {error.field}: {error.message}")
        finally:
            await rt.close()
        print(
            f"token {issued.record.id} for {args.username}, scopes {','.join(issued.record.scopes)}, "
            f"expires {issued.record.expires_at.isoformat()}; shown once:",
            file=sys.stderr,
        )
        print(issued.token)

    _with_db(settings, work)


def cmd_gql(args: argparse.Namespace) -> None:
    import json
    import os

    token = args.token or os.environ.get("UIDP_TOKEN")
    if not token:
        sys.exit("uidp: give --token or set UIDP_TOKEN")
    try:
        document = Path(args.file).read_text(encoding="utf-8")
        raw_vars = args.vars or "{}"
        if raw_vars.startswith("@"):
            raw_vars = Path(raw_vars[1:]).read_text(encoding="utf-8")
        variables = json.loads(raw_vars)
    except (OSError, ValueError) as error:
        sys.exit(f"uidp: {error}")
    if not isinstance(variables, dict):
        sys.exit("uidp: --vars must be a JSON object")
    payload: dict[str, Any] = {"query": document, "variables": variables}
    if args.operation:
        payload["operationName"] = args.operation
    status, body = asyncio.run(_post_graphql(args.url, payload, token))
    print(json.dumps(body, ensure_ascii=False, indent=2))
    if status != 200 or not isinstance(body, dict) or body.get("errors"):
        sys.exit(1)
    if any(isinstance(value, dict) and "code" in value for value in (body.get("data") or {}).values()):
        sys.exit(2)  # a mutation answered with one of its error types


async def _post_graphql(url: str | None, payload: dict[str, Any], token: str) -> tuple[int, Any]:
    """POST to ``url``, or to the app run in-process (with its lifespan) when no URL is given."""
    import httpx

    headers = {"authorization": f"Bearer {token}"}
    if url:
        async with httpx.AsyncClient(timeout=60) as http:
            response = await http.post(url, json=payload, headers=headers)
    else:
        from uidp.app import create_app

        app = create_app(_settings())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
            async with httpx.AsyncClient(transport=transport, base_url="http://uidp.local") as http:
                response = await http.post("/graphql", json=payload, headers=headers)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"errors": [{"message": response.text[:500]}]}


def cmd_import_persons(args: argparse.Namespace) -> None:
    from uidp.runtime import Runtime
    from uidp.services.persons.activation import ActivationService

    settings = _settings()
    text = Path(args.file).read_text(encoding="utf-8-sig")

    async def work() -> int:
        rt = Runtime.build(settings)
        try:
            report = await ActivationService(rt).import_csv(text, actor=cli_actor())
        finally:
            await rt.close()
        for line, field, message in report.errors:
            print(f"{args.file}:{line}: {field}: {message}", file=sys.stderr)
        print(f"imported {report.created} persons, rejected {len(report.errors)} rows")
        return 1 if report.errors else 0

    sys.exit(_with_db(settings, work))


def cmd_captcha_answer(args: argparse.Namespace) -> None:
    from uidp.sandbox_outbox import JsonLinesOutbox

    settings = _settings()
    if not settings.dev_peek_enabled:
        sys.exit("uidp: captcha answers are recorded on the dev profile only")
    found = JsonLinesOutbox(settings.data_dir / "dev-captcha-answers.jsonl").read(limit=1, captchaId=args.captcha_id)
    if not found:
        sys.exit("uidp: no such captcha")
    print(found[0]["answer"])


def cmd_seed_persons(args: argparse.Namespace) -> None:
    from uidp.services.persons.seeding import seed_persons

    settings = _settings()
    if settings.is_production:
        sys.exit("uidp: seed-persons is for the dev profile only")
    if args.count < 0:
        sys.exit("uidp: --count must be 0 or more")

    def progress(done: int, total: int, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        print(f"seeded {done}/{total} persons ({rate:.0f}/s)", file=sys.stderr, flush=True)

    work = lambda: seed_persons(settings, args.count, args.password, actor=cli_actor(), progress=progress)  # noqa: E731
    phones = _with_db(settings, work)
    sys.stdout.write("".join(phone + "\n" for phone in phones))


def cmd_settings(args: argparse.Namespace) -> None:
    print("| variable | default | meaning |\n|---|---|---|")
    for doc in settings_docs():
        print(f"| `{doc.env}` | {doc.default} | {doc.meaning} |")


def cmd_schema(args: argparse.Namespace) -> None:
    import importlib
    import tempfile

    from uidp.app import GRAPHQL_ADAPTER

    adapter = importlib.import_module(GRAPHQL_ADAPTER)
    with tempfile.TemporaryDirectory() as scratch:
        print(adapter.build_schema(Settings.from_env({}, data_dir=Path(scratch))).as_str())


def main(argv: list[str] | None = None) -> None:
    parser = CommandParser(prog="uidp", description="unified identity authentication platform")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true")
    serve.add_argument("--access-log", action="store_true", help="log one line per request (off by default)")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    make = sub.add_parser("makemigrations", help="developers: write a migration for model changes")
    make.add_argument("--name")
    make.set_defaults(func=cmd_makemigrations)

    staff = sub.add_parser("create-staff", help="create a staff account; prints its single-use setup code")
    staff.add_argument("username")
    staff.add_argument("--display-name")
    staff.add_argument("--role", action="append", default=[], choices=[role.value for role in StaffRole])
    staff.set_defaults(func=cmd_create_staff)

    reset = sub.add_parser(
        "reset-staff-totp", help="end a staff member's TOTP (lost phone) and print a setup code to enrol a new one"
    )
    reset.add_argument("username")
    reset.set_defaults(func=cmd_reset_staff_totp)

    token = sub.add_parser(
        "create-token", help="an API token for your own scripts (printed once); asks your password and TOTP code"
    )
    token.add_argument("username")
    token.add_argument("--password", help="prompted when left out")
    token.add_argument("--totp-code", help="prompted when left out")
    token.add_argument("--scope", action="append", default=[], required=True, help="repeat for several scopes")
    token.add_argument("--days", type=int, default=30, help="days until it expires (1-366)")
    token.add_argument("--name", default="cli", help="a label to recognise the token by")
    token.set_defaults(func=cmd_create_token)

    gql = sub.add_parser("gql", help="run a GraphQL operation with a staff API token and print the result")
    gql.add_argument("file", help="a .graphql file")
    gql.add_argument("--vars", help="variables as a JSON object, or @file.json")
    gql.add_argument("--token", help="the API token (default: $UIDP_TOKEN)")
    gql.add_argument("--operation", help="operation name, when the file has several")
    gql.add_argument("--url", help="a running server's /graphql URL (default: the app in-process)")
    gql.set_defaults(func=cmd_gql)

    imp = sub.add_parser("import-persons", help="pre-provision persons from CSV (P2)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import_persons)

    sub.add_parser(
        "sweep-uploads", help="delete uploads nobody claimed within UIDP_UPLOAD_TTL_SECONDS (workers also do it)"
    ).set_defaults(func=cmd_sweep_uploads)
    add_operations_commands(sub, _settings, _with_db)
    captcha = sub.add_parser("captcha-answer", help="dev: print a captcha's answer")
    captcha.add_argument("captcha_id")
    captcha.set_defaults(func=cmd_captcha_answer)

    seed = sub.add_parser("seed-persons", help="dev: create active persons with one password (benchmarks)")
    seed.add_argument("--count", type=int, default=10)
    seed.add_argument("--password", required=True)
    seed.set_defaults(func=cmd_seed_persons)

    sub.add_parser("settings", help="print every setting as a Markdown table").set_defaults(func=cmd_settings)
    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(func=cmd_schema)

    try:
        add_plugin_commands(sub, _settings)  # uidp ca ..., uidp sms-outbox (plugins.ca, plugins.sandbox), ...
    except (ImportError, PluginError, PluginValidationError) as error:
        sys.exit(f"uidp: a plugin cannot be loaded ({error}); leave it out with UIDP_DISABLED_PLUGINS")

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
