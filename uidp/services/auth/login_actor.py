"""The person acting for an entity's session, from a method trusted for it (``Trust.ACTOR``; E6, decision #134).

The electronic business licence names who scanned it: the legal representative, or a manager the licence
holder authorised in the licence app. The entity's session records that person (``Session.actor_id`` /
``actor_role``) and so does the audit log. The scanner must hold an active real-name person account here
(its ID number's blind index finds it) whose name is the one verified; a scanner claiming to be the legal
representative must be the entity's representative on record (E1, E8 keep it current).
"""

from __future__ import annotations

import logging

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.entity import Entity
from uidp.models.person import PersonStatus
from uidp.ports import (
    ACTOR_ROLES,
    CLAIM_ACTOR_ID_NUMBER,
    CLAIM_ACTOR_NAME,
    CLAIM_ACTOR_ROLE,
    Assertion,
    LoginMethod,
    Trust,
    trust_of,
)
from uidp.runtime import Runtime
from uidp.services.auth.bindings import AccountRef, _checked, _folded, malformed, mismatch
from uidp.services.auth.sessions import SessionActor
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.pii import Pii

log = logging.getLogger("uidp.login")


def not_registered() -> DomainError:
    return DomainError(
        ErrorCode.ACTOR_NOT_REGISTERED, "扫码人尚未在本平台注册实名个人账号，请先注册个人账号后再扫码登录", None
    )


async def actor_of(rt: Runtime, method: LoginMethod, account: AccountRef, assertion: Assertion) -> SessionActor | None:
    """The acting person the assertion names for ``account``, or None when it names none.

    Raises INVALID_FORMAT (an unknown role), INVALID_ID_NUMBER (a malformed number), ACTOR_NOT_REGISTERED
    (no active person account with that number) and IDENTITY_MISMATCH (another name, or a "legal
    representative" who is not the entity's).
    """
    claims = assertion.claims
    if CLAIM_ACTOR_ID_NUMBER not in claims:
        return None
    if Trust.ACTOR not in trust_of(method) or account.kind != SubjectKind.ENTITY:
        log.warning("login method %s named an actor it is not trusted for; ignored", method.id)
        return None
    role = claims.get(CLAIM_ACTOR_ROLE, "")
    if role not in ACTOR_ROLES:
        raise malformed(ErrorCode.INVALID_FORMAT, "第三方核验的扫码人身份类型不正确")
    number = _checked(normalize_certificate_number, CertificateType.RESIDENT_ID, claims[CLAIM_ACTOR_ID_NUMBER])
    if number is None:
        raise malformed(ErrorCode.INVALID_ID_NUMBER, "第三方核验的扫码人身份证号码格式不正确")
    person = await PersonLookup(rt).by_certificate(CertificateType.RESIDENT_ID, number)
    if person is None or person.status != PersonStatus.ACTIVE:
        raise not_registered()
    name = claims.get(CLAIM_ACTOR_NAME)
    if name is None or _folded(name) != _folded(Pii(rt).open("person.name", person.id, person.name_enc)):
        raise mismatch()
    if role == ActorRole.LEGAL_REPRESENTATIVE:
        entity = await Entity.get_or_none(id=account.id)
        if entity is None or entity.representative_id != person.id:
            raise mismatch()
    return SessionActor(person.id, role)
