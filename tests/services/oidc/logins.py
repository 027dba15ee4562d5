"""Sessions opened by the real login services for OIDC token tests: a person (password), an entity (password)
and a proxy session (an agent under a grant, E3), and the authorization code grant authorize would issue."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, make_entity
from tests.support import PASSWORD, register_person
from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import SCOPES, acr_of, amr_of
from uidp.models.entity import Entity
from uidp.models.oidc import OidcAuthorization
from uidp.models.person import Person
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.auth.login import LoginService
from uidp.services.auth.proxy_login import ProxyLogin
from uidp.services.oidc.codes import CodeGrant
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("198.51.100.61")
PERSON_NAME = "陈心"
PERSON_PHONE = "15012345601"
PERSON_SEQ = "181"  # not the sandbox representative (121) nor the agent (171)
ALL_SCOPES = list(SCOPES)


@dataclass
class LoggedIn:
    """A live uidp session and what it speaks for."""

    session: Session
    token: str
    level: int
    person: Person | None = None
    entity: Entity | None = None
    delegation: Delegation | None = None


async def person_login(rt: Runtime, *, phone: str = PERSON_PHONE, seq: str = PERSON_SEQ) -> LoggedIn:
    """A registered person (level 1) logged in with the password form."""
    person = await register_person(rt, CLIENT, phone=phone, seq=seq, name=PERSON_NAME)
    outcome = await LoginService(rt).login_with_password(phone, PASSWORD, CLIENT)
    return LoggedIn(outcome.issued.session, outcome.issued.token, person.level, person=person)


async def entity_login(rt: Runtime) -> LoggedIn:
    """The sandbox's active enterprise (level 2) logged in with its credit code and password; one per test."""
    from plugins.sandbox import registry as sandbox

    entity = await make_entity(rt)
    outcome = await LoginService(rt).login_with_password(
        sandbox.ACTIVE_ENTERPRISE, ENTITY_PASSWORD, CLIENT, realm=SubjectKind.ENTITY
    )
    return LoggedIn(outcome.issued.session, outcome.issued.token, entity.level, entity=entity)


async def proxy_login(rt: Runtime, **grant: Any) -> LoggedIn:
    """An agent's proxy session for the entity under a level-1 grant (scope social + tax, 30 days); one per test
    (it registers the sandbox enterprise)."""
    world = await Delegation.build(rt, **grant)
    outcome = await ProxyLogin(rt).login_as_agent(world.credit_code, AGENT_PHONE, PASSWORD, CLIENT)
    issued = outcome.issued
    return LoggedIn(issued.session, issued.token, world.entity.level, entity=world.entity, delegation=world)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 §4.1-4.2 make them."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def code_grant(
    client_row: Any,
    login: LoggedIn,
    challenge: str,
    *,
    scopes: list[str] | None = None,
    redirect_uri: str | None = None,
    dpop_jkt: str | None = None,
    nonce: str | None = "n-0S6_WzA2Mj",
    claims: list[str] | None = None,
) -> CodeGrant:
    """The grant /oidc/authorize issues a code for after login and consent on ``login``'s session."""
    session = login.session
    return CodeGrant(
        client_id=str(client_row.id),
        redirect_uri=redirect_uri or client_row.redirect_uris[0],
        code_challenge=challenge,
        subject_kind=session.subject_kind,
        subject_id=str(session.subject_id),
        acr=acr_of(login.level),
        auth_time=int(session.created_at.timestamp()),
        scopes=scopes if scopes is not None else ALL_SCOPES,
        claims=claims or [],
        amr=amr_of(session.login_method),
        nonce=nonce,
        session_id=str(session.id),
        actor_id=str(session.actor_id) if session.actor_id else None,
        grant_id=str(session.grant_id) if session.grant_id else None,
        dpop_jkt=dpop_jkt,
    )


async def stored_authorization(rt: Runtime, client_row: Any, login: LoggedIn, **overrides: Any) -> OidcAuthorization:
    """An authorization row as a code exchange leaves it (for tests of what reads it)."""
    grant = code_grant(client_row, login, "x" * 43)
    now = rt.clock.now()
    values: dict[str, Any] = dict(
        id=uuid.uuid4(),
        client_id=client_row.id,
        subject_kind=grant.subject_kind,
        subject_id=grant.subject_id,
        session_id=grant.session_id,
        actor_id=grant.actor_id,
        grant_id=grant.grant_id,
        scopes=grant.scopes,
        claims=grant.claims,
        acr=grant.acr,
        amr=grant.amr,
        auth_time=login.session.created_at,
        code_digest=secrets.token_hex(32),
        created_at=now,
        expires_at=now + timedelta(hours=8),
    )
    values.update(overrides)
    return await OidcAuthorization.create(**values)
