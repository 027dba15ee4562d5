"""The authorisation check connected systems ask (issue 11 item 6): may this session, or a named person, act for
an entity on a service item now, and on which chain of grants?

Who asks decides whose right is checked:

- the entity's own session: the entity acts for itself (``ENTITY_ITSELF``), for no other entity;
- a proxy session (E3): its own grant only, for its own entity (the grant the session rests on);
- a person's session: any grant of the entity the person holds;
- staff (an operator's session, or an API token with scope ``authorisation``): the person named by
  ``person_id``; each such check is audited (``authorisation.checked``), since it reads someone's delegation.

Every grant is judged by the grants area's one rule for using a grant (``chains.check_grant_use`` through
``grant_use``): every link in force now and the item in scope. A refusal is an answer (``allowed = false`` and
the reason), not an error; errors are bad input (credit code, item, person id) and who may ask.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from uidp.domain.accounts import SubjectKind
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.delegation import check_use
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code
from uidp.models.entity import Entity
from uidp.models.grant import Grant
from uidp.runtime import Runtime
from uidp.services.auth.grant_use import usable_chain
from uidp.services.delegation.chains import chain_facts, check_grant_use
from uidp.services.entities.entities import EntityLookup
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo, Principal

MAX_ITEM = 64  # ServiceItem.code


class AuthorisationReason(StrEnum):
    """Why the answer is what it is."""

    ENTITY_ITSELF = "ENTITY_ITSELF"  # the entity's own session
    GRANTED = "GRANTED"  # a chain of grants in force covers the item
    NO_GRANT = "NO_GRANT"  # no grant of this entity (or no such entity, or another entity's session)
    OUT_OF_SCOPE = "OUT_OF_SCOPE"  # grants in force, none covering the item
    NOT_STARTED = "NOT_STARTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"  # the grant, or one above it, was cancelled


_REASONS = {
    ErrorCode.OUT_OF_SCOPE: AuthorisationReason.OUT_OF_SCOPE,
    ErrorCode.GRANT_NOT_STARTED: AuthorisationReason.NOT_STARTED,
    ErrorCode.GRANT_EXPIRED: AuthorisationReason.EXPIRED,
    ErrorCode.GRANT_CANCELLED: AuthorisationReason.CANCELLED,
}


@dataclass(frozen=True)
class AuthorisationAnswer:
    allowed: bool
    reason: AuthorisationReason
    chain: tuple[Grant, ...]  # level 1 first; empty unless GRANTED
    checked_at: datetime
    service_item: str
    masked_credit_code: str


class Authorisations:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def check(
        self,
        principal: Principal,
        credit_code: str,
        service_item: str,
        client: ClientInfo,
        *,
        person_id: str | None = None,
    ) -> AuthorisationAnswer:
        """The answer for ``principal`` (or, for staff, the person ``person_id`` names); typed errors for bad
        input: INVALID_CREDIT_CODE / REQUIRED on ``creditCode``, REQUIRED / INPUT_TOO_LONG on ``serviceItem``,
        REQUIRED / INVALID_FORMAT / NOT_FOUND on ``personId``, FORBIDDEN for a ``personId`` from a non-staff."""
        code = normalize_credit_code(credit_code)
        item = (service_item or "").strip()
        if not item:
            raise DomainError(ErrorCode.REQUIRED, "请输入服务事项编码", "serviceItem")
        if len(item) > MAX_ITEM:
            raise DomainError(ErrorCode.INPUT_TOO_LONG, "服务事项编码过长", "serviceItem")
        named = _person_id(person_id) if principal.is_staff else None
        if not principal.is_staff and (person_id or "").strip():
            raise DomainError(ErrorCode.FORBIDDEN, "只有管理员或其 API 令牌可以查询他人的授权", "personId")
        entity_id = await self._entity_id(principal, code)
        if principal.is_staff:
            assert named is not None
            if await PersonLookup(self.rt).by_id(named) is None:
                raise DomainError(ErrorCode.NOT_FOUND, "没有该自然人账号", "personId")
            result = self._answer(code, item, *await self._held(entity_id, named, item))
            await Audit(self.rt).record(
                "authorisation.checked",
                actor=principal,
                subject=(SubjectKind.PERSON, named),
                client=client,
                credit_code=mask_credit_code(code),
                service_item=item,
                allowed=result.allowed,
                reason=str(result.reason),
            )
            return result
        if principal.kind == SubjectKind.ENTITY and principal.is_agent:
            if entity_id != principal.id or principal.grant_id is None:
                return self._answer(code, item, AuthorisationReason.NO_GRANT, ())
            return self._answer(code, item, *await self._session_grant(principal, item))
        if principal.kind == SubjectKind.ENTITY:
            itself = entity_id == principal.id
            reason = AuthorisationReason.ENTITY_ITSELF if itself else AuthorisationReason.NO_GRANT
            return self._answer(code, item, reason, ())
        if principal.kind == SubjectKind.PERSON:
            return self._answer(code, item, *await self._held(entity_id, principal.id, item))
        raise DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")

    def _answer(
        self, code: str, item: str, reason: AuthorisationReason, chain: tuple[Grant, ...]
    ) -> AuthorisationAnswer:
        allowed = reason in (AuthorisationReason.ENTITY_ITSELF, AuthorisationReason.GRANTED)
        return AuthorisationAnswer(allowed, reason, chain, self.rt.clock.now(), item, mask_credit_code(code))

    async def _held(
        self, entity_id: uuid.UUID | None, person_id: uuid.UUID, item: str
    ) -> tuple[AuthorisationReason, tuple[Grant, ...]]:
        try:
            return AuthorisationReason.GRANTED, await usable_chain(self.rt, entity_id, person_id, item)
        except DomainError as refusal:
            return _REASONS.get(refusal.code, AuthorisationReason.NO_GRANT), ()

    async def _entity_id(self, principal: Principal, code: str) -> uuid.UUID | None:
        """The id of the entity the credit code names; an entity's session (its own or a proxy session) already
        carries its row, so asking about itself, the usual question, reads nothing."""
        lookup = EntityLookup(self.rt)
        account = principal.account
        if isinstance(account, Entity) and account.credit_code_index == lookup.credit_code_index(code):
            return account.id
        entity = await lookup.by_credit_code(code)
        return entity.id if entity else None

    async def _session_grant(self, principal: Principal, item: str) -> tuple[AuthorisationReason, tuple[Grant, ...]]:
        """The proxy session's own grant: the chain the session was resolved with (its facts judged again here
        for the item, at this moment), or read afresh for a principal that does not carry it."""
        assert principal.grant_id is not None
        now = self.rt.clock.now()
        try:
            if principal.grant_chain is not None:
                chain = principal.grant_chain
                check_use(principal.grant_facts or chain_facts(chain), item, now)
            else:
                chain = await check_grant_use(principal.grant_id, item, now)
        except DomainError as refusal:
            return _REASONS.get(refusal.code, AuthorisationReason.NO_GRANT), ()
        if chain[-1].grantee_id != principal.actor_id or chain[-1].entity_id != principal.id:
            return AuthorisationReason.NO_GRANT, ()
        return AuthorisationReason.GRANTED, chain


def _person_id(raw: str | None) -> uuid.UUID:
    text = (raw or "").strip()
    if not text:
        raise DomainError(ErrorCode.REQUIRED, "请指定要查询的自然人账号", "personId")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_FORMAT, "自然人账号标识格式不正确", "personId") from None
