"""Decoy answers: what an anonymous flow shows for an unknown person, so it looks like a known one.

A decoy is derived from a keyed digest of the caller's input, so the same input always gets the same answer
(a stranger cannot tell a decoy from a real value by asking twice), and a decoy send is timed like a real one.
"""

from __future__ import annotations

from uidp.domain.masking import mask_phone
from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sms import SentCode, SmsCodes, SmsPurpose

# Real mainland prefixes, so a decoy masked phone looks like any other.
_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155")
_PREFIXES += ("156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "186", "187", "189")


def decoy_masked_phone(digest: str) -> str:
    """A plausible masked phone (150****0058) picked by a hex digest."""
    value = int(digest, 16)
    prefix = _PREFIXES[value % len(_PREFIXES)]
    return mask_phone(f"{prefix}0000{(value // len(_PREFIXES)) % 10000:04d}")


async def decoy_send(
    rt: Runtime, purpose: SmsPurpose, digest: str, client: ClientInfo, *, field: str | None = "phone"
) -> SentCode:
    """Answer exactly like SmsCodes.send (resend interval and daily caps count alike) without sending."""
    return await SmsCodes(rt).send(purpose, f"decoy:{digest}", client, deliver=False, field=field)
