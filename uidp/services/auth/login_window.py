"""The 10-minute window after a scan login that lets the account change what recovers it (FAQ 3.1, 3.2).

A person who logged in with the electronic social security card (``esscard``) may change phone and password
without the old phone's code or the current password; an entity logged in with the electronic business
licence (``elicense``) may start a contact change without the login password. The window belongs to that
session alone (another session of the same account has none), opens at its login and closes
``WINDOW_SECONDS`` later; each change made through it is audited with ``via`` the method
(docs/decisions.md #135).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.shared.principal import Principal

WINDOW_SECONDS = 600
PERSON_WINDOW_METHOD = "esscard"  # FAQ 3.1: phone and password
ENTITY_WINDOW_METHOD = "elicense"  # FAQ 3.2: the contact phone


async def window_ends_at(rt: Runtime, principal: Principal, method: str) -> datetime | None:
    """When this principal's own session's window closes, if it is a live ``method`` session still in it."""
    if principal.via_token:
        return None
    session = await Session.get_or_none(
        id=principal.session_id,
        subject_kind=principal.kind,
        subject_id=principal.id,
        login_method=method,
        revoked_at__isnull=True,
    )
    if session is None:
        return None
    ends = session.created_at + timedelta(seconds=WINDOW_SECONDS)
    return ends if rt.clock.now() < ends else None
