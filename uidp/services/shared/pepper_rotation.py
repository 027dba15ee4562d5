"""``uidp keys rotate-pepper``: how many passwords still rest on the old pepper during its dual period.

A pepper cannot be re-applied without the password, so passwords move one by one: with
``UIDP_PASSWORD_PEPPER`` the new pepper, ``UIDP_PASSWORD_PEPPER_OLD`` the old one and
``UIDP_PASSWORD_PEPPER_ROTATED_AT`` the moment the last worker took them, a password that fails under the new
pepper is tried under the old, and every right password whose hash is older than that moment is hashed again
under the new pepper (``Passwords.rehash_if_needed``). This report counts what is left; when it is zero the old
pepper goes. Accounts whose owners never log in keep it counted: dropping the pepper then means those owners
recover their password (by SMS), which the report says.
"""

from __future__ import annotations

from tortoise.functions import Count

from uidp.config import Settings
from uidp.models.credential import Credential, CredentialKind


async def passwords_under_old_pepper(settings: Settings) -> dict[str, int]:
    """Password credentials hashed before the rotation, by subject kind (empty outside a rotation)."""
    rotation = settings.pepper_rotation()
    if rotation is None:
        return {}
    rows = (
        await Credential.filter(kind=CredentialKind.PASSWORD, updated_at__lt=rotation[1])
        .annotate(n=Count("id"))
        .group_by("subject_kind")
        .values("subject_kind", "n")
    )
    return {str(row["subject_kind"]): int(row["n"]) for row in rows}


def report_lines(remaining: dict[str, int], rotating: bool) -> list[str]:
    """What ``uidp keys rotate-pepper`` prints."""
    if not rotating:
        return ["no pepper rotation is configured (set UIDP_PASSWORD_PEPPER_OLD and UIDP_PASSWORD_PEPPER_ROTATED_AT)"]
    if not any(remaining.values()):
        return ["every password is under the new pepper: remove UIDP_PASSWORD_PEPPER_OLD and restart the workers"]
    counts = ", ".join(f"{count} {kind}" for kind, count in sorted(remaining.items()) if count)
    return [
        f"passwords still under the old pepper: {counts}; each moves at its owner's next login",
        "removing UIDP_PASSWORD_PEPPER_OLD now would make these owners recover their password",
    ]
