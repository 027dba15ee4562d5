"""Who is acting on an entity's delegation, and under which grant.

Three callers reach the delegation services:

- the entity's own session (no grant): the entity itself, every right;
- a proxy session (an entity session resting on a grant, ``Session.grant_id``): the agent, with exactly the
  rights of that grant, never the entity's own;
- a person's own session naming ``underGrant``, a grant that person holds: the same rights as a proxy session
  on that grant.

The acting chain is re-checked by the domain at every call (``uidp.domain.delegation``), so a grant ended a
moment ago opens nothing here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import GrantFacts
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.entity import Entity, EntityStatus
from uidp.models.grant import Grant
from uidp.services.delegation.chains import chain_facts, chain_of
from uidp.services.shared.principal import Principal

NO_GRANT = "您没有该单位的有效授权"


@dataclass(frozen=True)
class Acting:
    """The entity acted for, and the acting person's chain (empty when the entity acts itself)."""

    entity: Entity
    principal: Principal
    chain: tuple[Grant, ...] = ()

    @property
    def is_entity(self) -> bool:
        return not self.chain

    @property
    def person_id(self) -> uuid.UUID | None:
        """The acting person (the holder of the chain's last grant), None for the entity itself."""
        return self.chain[-1].grantee_id if self.chain else None

    @property
    def facts(self) -> tuple[GrantFacts, ...]:
        return chain_facts(self.chain)

    @property
    def actor(self) -> tuple[str, uuid.UUID]:
        """Who the history and the audit name as acting: the entity, or the person."""
        if self.chain:
            return SubjectKind.PERSON, self.chain[-1].grantee_id
        return SubjectKind.ENTITY, self.entity.id

    @property
    def grant_id(self) -> uuid.UUID | None:
        return self.chain[-1].id if self.chain else None


def parse_id(raw: str | None, field: str) -> uuid.UUID | None:
    """An id typed by a client: None when absent, NOT_FOUND when malformed (it names nothing)."""
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, "所指定的记录不存在", field) from None


async def acting(principal: Principal, under_grant: str | None = None, *, field: str = "underGrant") -> Acting:
    """Resolve the caller: the entity itself, a proxy session's grant, or a person under a grant they hold.

    Errors: FORBIDDEN (staff, or an entity session naming a grant), NO_ACTIVE_GRANT (a person without
    ``underGrant``, or naming a grant that is not theirs), NOT_AUTHENTICATED (the entity vanished).
    """
    grant_id = parse_id(under_grant, field)
    if principal.kind == SubjectKind.ENTITY:
        resting_on = principal.grant_id  # a proxy session's grant (Session.grant_id)
        if resting_on is not None:
            if grant_id is not None and grant_id != resting_on:
                raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT, field)
            chain = await _held_chain(resting_on, field)
            entity = await _entity(chain[-1].entity_id)
            if entity.id != principal.id:
                raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT, field)
            return Acting(entity, principal, chain)
        if grant_id is not None:
            raise DomainError(ErrorCode.FORBIDDEN, "法人账号直接操作，无需指定授权", field)
        return Acting(await _entity(principal.id), principal)
    if principal.kind != SubjectKind.PERSON:
        raise DomainError(ErrorCode.FORBIDDEN, "请使用法人账号或个人账号登录")
    if grant_id is None:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "请选择您持有的授权", field)
    grant = await Grant.get_or_none(id=grant_id)
    if grant is None or grant.grantee_id != principal.id:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT, field)
    chain = await chain_of(grant.id)
    return Acting(await _entity(grant.entity_id), principal, chain)


async def _held_chain(grant_id: uuid.UUID, field: str) -> tuple[Grant, ...]:
    """A proxy session's chain; a grant that no longer exists is no grant at all."""
    if not await Grant.filter(id=grant_id).exists():
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, NO_GRANT, field)
    return await chain_of(grant_id)


async def _entity(entity_id: uuid.UUID) -> Entity:
    entity = await Entity.get_or_none(id=entity_id)
    if entity is None or entity.status != EntityStatus.ACTIVE:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
    return entity
