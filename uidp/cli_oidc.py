"""``uidp keys rotate``: a new signing key for the OpenID provider (docs/oidc.md, docs/operations.md).

The ``keys`` command group lives in :mod:`uidp.cli_ops`; it registers this command with one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from uidp.config import Settings


def add_oidc_key_commands(
    rotations: Any,
    settings: Callable[[], Settings],
    with_db: Callable[[Settings, Callable[[], Awaitable[Any]]], Any],
) -> None:
    """Add ``rotate`` to the ``uidp keys`` subcommands."""

    def rotate(args: argparse.Namespace) -> None:
        resolved = settings()
        if not resolved.oidc_enabled:
            sys.exit("uidp: single sign-on is off: set UIDP_OIDC_ISSUER to serve it (and to rotate its keys)")
        for line in with_db(resolved, lambda: rotate_signing_key(resolved)):
            print(line)

    rotations.add_parser(
        "rotate", help="a new OpenID provider signing key; the old one verifies until its tokens have expired"
    ).set_defaults(func=rotate)


async def rotate_signing_key(settings: Settings) -> list[str]:
    """Make the new key (audited as the operator), and say what signs and until when the old key verifies."""
    from uidp.models.oidc import OidcSigningKey
    from uidp.runtime import Runtime
    from uidp.services.oidc.keys import SigningKeys
    from uidp.services.shared.principal import CLI_CLIENT, cli_actor

    rt = Runtime.build(settings)
    try:
        row = await SigningKeys(rt).rotate(actor=cli_actor(), client=CLI_CLIENT)
        lines = [
            f"signing key {row.kid} ({row.alg}) is active; every worker signs with it within "
            f"{settings.oidc_key_cache_seconds} s, and the JWKS lists it now"
        ]
        for old in await OidcSigningKey.filter(retired_at=row.created_at).exclude(kid=row.kid).order_by("kid"):
            assert old.drop_after is not None
            lines.append(f"retired {old.kid}: it verifies and stays in the JWKS until {old.drop_after.isoformat()}")
        return lines
    finally:
        await rt.close()
