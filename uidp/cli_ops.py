"""The operator's commands of ``uidp``: sweep, backup, restore (and key rotation); docs/operations.md."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from uidp.cli_oidc import add_oidc_key_commands
from uidp.config import Settings

SettingsOf = Callable[[], Settings]
WithDb = Callable[[Settings, Callable[[], Awaitable[Any]]], Any]


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def add_operations_commands(sub: Any, settings: SettingsOf, with_db: WithDb) -> None:
    """Add ``sweep``, ``backup``, ``restore`` and ``keys rotate-pii|rotate-blind-index|rotate-pepper``."""

    def sweep(args: argparse.Namespace) -> None:
        from uidp.chores import sweep_now

        resolved = settings()
        for line in with_db(resolved, lambda: sweep_now(resolved)):
            print(line)

    def backup(args: argparse.Namespace) -> None:
        from uidp.backup import RestoreRefused, backup

        try:
            print(backup(settings(), Path(args.file)).line())
        except (RestoreRefused, OSError) as error:
            sys.exit(f"uidp: backup failed: {error}")

    def restore(args: argparse.Namespace) -> None:
        from uidp.backup import RestoreRefused, restore

        try:
            print(restore(settings(), Path(args.file)))
        except (RestoreRefused, OSError) as error:
            sys.exit(f"uidp: restore refused: {error}")

    def rotate_pii(args: argparse.Namespace) -> None:
        from uidp.runtime import Crypto
        from uidp.services.shared.key_rotation import PiiRotation

        resolved = settings()
        rotation = PiiRotation(Crypto.of(resolved).cipher, batch=args.batch, progress=_progress)
        report = with_db(resolved, rotation.run)
        print(*report.lines(), sep="\n")
        if not report.done:
            sys.exit(1)

    def rotate_blind_index(args: argparse.Namespace) -> None:
        from uidp.runtime import Crypto
        from uidp.services.shared.blind_index_rotation import BlindIndexRotation
        from uidp.services.shared.pii import Pii

        resolved = settings()
        rotation = BlindIndexRotation(Pii(Crypto.of(resolved)), batch=args.batch, progress=_progress)
        report = with_db(resolved, rotation.run)
        print(*report.lines(), sep="\n")
        if not report.done:
            sys.exit(1)

    def rotate_pepper(args: argparse.Namespace) -> None:
        from uidp.services.shared.pepper_rotation import passwords_under_old_pepper, report_lines

        resolved = settings()
        remaining = with_db(resolved, lambda: passwords_under_old_pepper(resolved))
        print(*report_lines(remaining, resolved.pepper_rotation() is not None), sep="\n")
        if any(remaining.values()):
            sys.exit(1)

    keys = sub.add_parser("keys", help="key rotation without downtime (docs/operations.md)")
    rotations = keys.add_subparsers(dest="keys_command", required=True)
    add_oidc_key_commands(rotations, settings, with_db)  # `uidp keys rotate`: the OpenID provider's signing keys
    rotate = rotations.add_parser("rotate-pii", help="re-encrypt every sealed value under the first UIDP_PII_KEYS key")
    rotate.add_argument("--batch", type=int, default=500, help="rows per query (default 500)")
    rotate.set_defaults(func=rotate_pii)
    blind = rotations.add_parser(
        "rotate-blind-index", help="recompute every blind index under UIDP_BLIND_INDEX_KEY / _ALGORITHM"
    )
    blind.add_argument("--batch", type=int, default=500, help="rows per query (default 500)")
    blind.set_defaults(func=rotate_blind_index)
    rotations.add_parser(
        "rotate-pepper", help="how many passwords still rest on UIDP_PASSWORD_PEPPER_OLD (they move at login)"
    ).set_defaults(func=rotate_pepper)
    sub.add_parser(
        "sweep", help="run every retention chore once (audit log, ended sessions, uploads; one sweeper at a time)"
    ).set_defaults(func=sweep)
    backup_parser = sub.add_parser("backup", help="write a consistent backup of the database while it serves")
    backup_parser.add_argument("file")
    backup_parser.set_defaults(func=backup)
    restore_parser = sub.add_parser("restore", help="restore a backup into a fresh database of this schema version")
    restore_parser.add_argument("file")
    restore_parser.set_defaults(func=restore)
