"""Test helpers for back-channel logout and security events: a person's sessions and the authorizations a
connected system holds on them.

Authorizations are made with the ORM, as the token endpoint leaves them (one per code exchanged), on sessions
opened with the real login service.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.support import PASSWORD
from uidp.models.oidc import OidcAuthorization
from uidp.runtime import Runtime
from uidp.services.auth.login import LoginService
from uidp.services.shared.principal import ClientInfo, Principal

CLIENT = ClientInfo("198.51.100.30")


async def log_in(rt: Runtime, phone: str = "15012340058") -> tuple[Principal, str]:
    """A password login: the session's principal and its token."""
    outcome = await LoginService(rt).login_with_password(phone, PASSWORD, CLIENT)
    session = outcome.issued.session
    return Principal(session.subject_kind, session.subject_id, session.id), outcome.issued.token


async def authorize(rt: Runtime, client: Any, session: Principal, **fields: Any) -> OidcAuthorization:
    """An authorization of ``client`` (an OidcClient) resting on the session ``session`` is the principal of."""
    now = rt.clock.now()
    return await OidcAuthorization.create(
        id=uuid.uuid4(),
        client_id=client.id,
        subject_kind=session.kind,
        subject_id=session.id,
        session_id=session.session_id,
        scopes=["openid"],
        acr="urn:uidp:level:1",
        amr=["password", "pwd"],
        auth_time=now,
        code_digest=uuid.uuid4().hex + uuid.uuid4().hex,
        created_at=now,
        expires_at=now + timedelta(hours=8),
        **fields,
    )
