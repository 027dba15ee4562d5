"""Reading grants as the domain rules see them: one grant's facts, and its chain from the entity down."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from uidp.domain.delegation import GrantFacts, Period, check_use
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.grant import Grant


def facts_of(grant: Grant) -> GrantFacts:
    """The stored grant as :class:`GrantFacts` (what every rule in ``uidp.domain.delegation`` takes)."""
    return GrantFacts(
        id=grant.id,
        entity_id=grant.entity_id,
        parent_id=grant.parent_id,
        grantor_id=grant.grantor_id,
        grantee_id=grant.grantee_id,
        depth=grant.depth,
        scope=frozenset(grant.scope),
        period=Period(grant.starts_at, grant.ends_at),
        may_grant_onward=grant.may_grant_onward,
        may_manage_candidates=grant.may_manage_candidates,
        state=grant.state,
    )


async def chain_of(grant_id: uuid.UUID) -> tuple[Grant, ...]:
    """The grant and every grant above it, level 1 first; NOT_FOUND for an unknown id.

    A grant knows its chain's level-1 grant, so one query reads the chain's candidates (at most three levels).
    """
    grant = await Grant.get_or_none(id=grant_id)
    if grant is None:
        raise DomainError(ErrorCode.NOT_FOUND, "授权不存在", None)
    if grant.parent_id is None:
        return (grant,)
    above = {row.id: row for row in await Grant.filter(root_id=grant.root_id, depth__lt=grant.depth)}
    chain = [grant]
    while chain[-1].parent_id is not None:
        parent = above.get(chain[-1].parent_id)
        if parent is None:  # a broken chain opens nothing (check_chain refuses a chain not starting at level 1)
            break
        chain.append(parent)
    return tuple(reversed(chain))


def chain_facts(chain: Sequence[Grant]) -> tuple[GrantFacts, ...]:
    return tuple(facts_of(grant) for grant in chain)


async def check_grant_use(grant_id: uuid.UUID, item: str | None, now: datetime) -> tuple[Grant, ...]:
    """The grant's chain if its holder may act for the entity on ``item`` now (None: any item of the grant).

    Raises the domain's typed errors: GRANT_CANCELLED, GRANT_EXPIRED, GRANT_NOT_STARTED, OUT_OF_SCOPE, or a
    structural code. Proxy login, proxy sessions and the authorisation check all go through here.
    """
    chain = await chain_of(grant_id)
    check_use(chain_facts(chain), item, now)
    return chain
