"""Grants (授权, manual §2.6.2): make, change (period, scope), cancel, and read one with its history.

Who may do what: the entity grants at level 1 and changes or cancels any of its grants; a person acting under a
grant (their own session naming it, or a proxy session resting on it) grants onward when that grant allows
it, and changes or cancels only grants below their own. Every check is the domain's
(``uidp.domain.delegation``), run again inside the writing transaction on rows re-read under lock, so a
concurrent cancel above cannot be outrun.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import (
    EndReason,
    Grantee,
    GrantFacts,
    GrantState,
    Period,
    check_chain,
    check_change,
    check_new_grant,
    ended_by_change,
)
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.candidate import DelegationCandidate
from uidp.models.entity import Entity
from uidp.models.grant import Grant, GrantRecord
from uidp.models.person import Person, PersonStatus
from uidp.models.service_item import ServiceItem
from uidp.runtime import Runtime
from uidp.services.delegation.acting import Acting, acting, parse_id
from uidp.services.delegation.cascade import Cascade, Ended
from uidp.services.delegation.chains import chain_facts, chain_of, facts_of
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo, Principal

CODE_MAX = 64
NOT_FOUND = "授权不存在"


@dataclass(frozen=True)
class GrantForm:
    """A new grant: the candidate (可授权人) id, the service-item codes, the period and the onward rights."""

    grantee: str
    scope: list[str]
    ends_at: datetime
    starts_at: datetime | None = None  # None: now
    may_grant_onward: bool = False
    may_manage_candidates: bool = False


@dataclass(frozen=True)
class GrantChange:
    """A change: a new scope and/or a new period (None keeps it)."""

    scope: list[str] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class GrantOutcome:
    grant: Grant
    ended_below: int  # grants below it that the change or cancel ended


def normalize_scope(raw: list[str] | None, field: str = "scope") -> frozenset[str]:
    """Service-item codes as typed: trimmed, de-duplicated; each at most 64 ASCII characters."""
    codes = set()
    for value in raw or []:
        code = (value or "").strip()
        if not code:
            continue
        if len(code) > CODE_MAX or not code.isascii() or not code.isprintable():
            raise DomainError(ErrorCode.ITEM_NOT_DELEGABLE, "所选服务事项不存在或不可授权", field)
        codes.add(code)
    return frozenset(codes)


async def delegable_items(codes: frozenset[str]) -> dict[str, bool]:
    """Code -> whether the catalogue offers it for new delegations now (active and delegable)."""
    rows = await ServiceItem.filter(code__in=list(codes)) if codes else []
    return {row.code: row.active and row.delegable for row in rows}


class Grants:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)
        self.cascade = Cascade(rt)

    async def create(self, principal: Principal, under_grant: str | None, form: GrantForm, client: ClientInfo) -> Grant:
        """A grant to a candidate. Errors: every code of ``check_new_grant`` (see docs/api.md)."""
        who = await acting(principal, under_grant)
        return await self.create_for(who, form, client)

    async def create_for(
        self,
        who: Acting,
        form: GrantForm,
        client: ClientInfo,
        *,
        application_id: uuid.UUID | None = None,
        grantee_field: str = "grantee",
        scope_field: str = "scope",
        period_field: str = "period",
        ends_field: str = "period.endsAt",
        starts_field: str = "period.startsAt",
    ) -> Grant:
        """The grant as ``who`` makes it; ``application_id`` ties it to the application it answers (whose id is
        then the field every error names)."""
        now = self.rt.clock.now()
        candidate_id = parse_id(form.grantee, grantee_field)
        candidate = await DelegationCandidate.get_or_none(id=candidate_id, entity_id=who.entity.id)
        person = await Person.get_or_none(id=candidate.person_id) if candidate is not None else None
        if person is None:
            raise DomainError(ErrorCode.NOT_A_CANDIDATE, "被授权人不在本单位的可授权人列表中，请先添加", grantee_field)
        scope = normalize_scope(form.scope, scope_field)
        grant_id = uuid.uuid4()
        proposed = GrantFacts(
            id=grant_id,
            entity_id=who.entity.id,
            parent_id=who.grant_id,
            grantor_id=who.person_id or who.entity.id,
            grantee_id=person.id,
            depth=len(who.chain) + 1,
            scope=scope,
            period=Period(form.starts_at or now, form.ends_at),
            may_grant_onward=form.may_grant_onward,
            may_manage_candidates=form.may_manage_candidates,
        )
        grantee = Grantee(person.id, person.level, person.status == PersonStatus.ACTIVE, True)
        delegable = await delegable_items(scope)

        def check(chain: tuple[GrantFacts, ...]) -> None:
            check_new_grant(
                chain,
                proposed,
                grantee,
                delegable,
                now,
                grantee_field=grantee_field,
                scope_field=scope_field,
                period_field=period_field,
                ends_field=ends_field,
                starts_field=starts_field,
            )

        check(who.facts)
        async with in_transaction():
            # The entity row, then the grantor's chain, re-read under lock: a cancel above, or a new legal
            # representative (E8 ends every grant), that committed first is seen here; one after waits for us.
            await Entity.filter(id=who.entity.id).select_for_update()
            locked = await _locked_chain(who.chain)
            check(chain_facts(locked))
            grant = await Grant.create(
                id=grant_id,
                entity_id=who.entity.id,
                parent_id=proposed.parent_id,
                root_id=who.chain[0].root_id if who.chain else grant_id,
                depth=proposed.depth,
                grantor_id=proposed.grantor_id,
                grantee_id=person.id,
                scope=sorted(scope),
                starts_at=proposed.period.starts_at,
                ends_at=proposed.period.ends_at,
                may_grant_onward=proposed.may_grant_onward,
                may_manage_candidates=proposed.may_manage_candidates,
                state=GrantState.ACTIVE,
                application_id=application_id,
                created_at=now,
                updated_at=now,
            )
            await self._history(grant.id, "created", who, _describe(proposed))
        await self.audit.record(
            "delegation.grant_created",
            actor=who.principal,
            subject=(SubjectKind.ENTITY, who.entity.id),
            client=client,
            grant=str(grant.id),
            under_grant=str(who.grant_id) if who.grant_id else None,
            grantee=str(person.id),
            depth=grant.depth,
            scope=sorted(scope),
            application=str(application_id) if application_id else None,
        )
        return grant

    async def change(
        self, principal: Principal, under_grant: str | None, grant_id: str, change: GrantChange, client: ClientInfo
    ) -> GrantOutcome:
        """New period and/or scope; the grants below that no longer fit end (with their proxy sessions)."""
        who = await acting(principal, under_grant)
        target = await self._manageable(who, grant_id)
        now = self.rt.clock.now()
        before = facts_of(target)
        after = replace(
            before,
            scope=normalize_scope(change.scope) if change.scope is not None else before.scope,
            period=Period(change.starts_at or before.period.starts_at, change.ends_at or before.period.ends_at),
        )
        delegable = await delegable_items(after.scope - before.scope)
        async with in_transaction():
            chain = await _locked_chain(await chain_of(target.id))
            before = facts_of(chain[-1])
            after = replace(after, state=before.state)
            check_change(chain_facts(chain[:-1]), before, after, delegable, now)
            await Grant.filter(id=target.id).update(
                scope=sorted(after.scope),
                starts_at=after.period.starts_at,
                ends_at=after.period.ends_at,
                updated_at=now,
            )
            await self._history(target.id, "changed", who, {"before": _describe(before), "after": _describe(after)})
            ended = await self.cascade.end_within(await self._misfits(chain[-1], after), actor=who.actor)
        await ended.announce(self.rt)
        await self._audit_end("delegation.grant_changed", who, client, target, ended, scope=sorted(after.scope))
        return GrantOutcome(await Grant.get(id=target.id), len(ended.grants))

    async def cancel(
        self, principal: Principal, under_grant: str | None, grant_id: str, client: ClientInfo
    ) -> GrantOutcome:
        """Cancel a grant: it and every grant below it end, and every proxy session resting on them."""
        who = await acting(principal, under_grant)
        target = await self._manageable(who, grant_id)
        if target.state != GrantState.ACTIVE:
            raise DomainError(ErrorCode.GRANT_CANCELLED, "授权已结束，无需取消", "grantId")
        ended = await self.cascade.end([(target, EndReason.CANCELLED)], actor=who.actor)
        if target.id not in ended.grants:
            raise DomainError(ErrorCode.GRANT_CANCELLED, "授权已结束，无需取消", "grantId")
        await self._audit_end("delegation.grant_cancelled", who, client, target, ended)
        return GrantOutcome(await Grant.get(id=target.id), len(ended.grants) - 1)

    async def visible(self, principal: Principal, grant_id: str, under_grant: str | None = None) -> Grant | None:
        """The grant if the caller may see it: its entity, a person whose grant is in its chain, or its holder."""
        try:
            row_id = parse_id(grant_id, "id")
        except DomainError:
            return None
        grant = await Grant.get_or_none(id=row_id)
        if grant is None:
            return None
        if principal.kind == SubjectKind.PERSON and under_grant is None:
            chain = await chain_of(grant.id)
            return grant if any(link.grantee_id == principal.id for link in chain) else None
        try:
            who = await acting(principal, under_grant)
            if who.entity.id != grant.entity_id:
                return None
            if who.is_entity:
                return grant
            return grant if who.grant_id in {link.id for link in await chain_of(grant.id)} else None
        except DomainError:
            return None

    # ---- helpers ------------------------------------------------------------------------------------------

    async def _manageable(self, who: Acting, grant_id: str) -> Grant:
        """The grant if ``who`` may change or cancel it: the entity, or the holder of a grant above it whose own
        chain is in force. Anything else answers NOT_FOUND, as an unknown id does."""
        row_id = parse_id(grant_id, "grantId")
        grant = await Grant.get_or_none(id=row_id, entity_id=who.entity.id)
        if grant is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "grantId")
        if who.is_entity:
            return grant
        chain = await chain_of(grant.id)
        if who.grant_id not in {link.id for link in chain[:-1]}:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "grantId")
        try:
            check_chain(who.facts, self.rt.clock.now())
        except DomainError:
            raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有有效的授权", "underGrant") from None
        return grant

    async def _misfits(self, grant: Grant, after: GrantFacts) -> list[tuple[GrantFacts, EndReason]]:
        rows = await Grant.filter(root_id=grant.root_id, depth__gt=grant.depth, state=GrantState.ACTIVE)
        children: dict[uuid.UUID, list[GrantFacts]] = defaultdict(list)
        for row in rows:
            if row.parent_id is not None:
                children[row.parent_id].append(facts_of(row))
        return ended_by_change(children, after)

    async def _history(self, grant_id: uuid.UUID, action: str, who: Acting, details: dict[str, object]) -> None:
        kind, actor_id = who.actor
        await GrantRecord.create(
            id=uuid.uuid4(),
            grant_id=grant_id,
            at=self.rt.clock.now(),
            action=action,
            actor_kind=kind,
            actor_id=actor_id,
            details=details,
        )

    async def _audit_end(
        self, event: str, who: Acting, client: ClientInfo, grant: Grant, ended: Ended, **details: object
    ) -> None:
        await self.audit.record(
            event,
            actor=who.principal,
            subject=(SubjectKind.ENTITY, who.entity.id),
            client=client,
            grant=str(grant.id),
            under_grant=str(who.grant_id) if who.grant_id else None,
            grants_ended=len(ended.grants),
            sessions_ended=ended.sessions,
            **details,
        )


async def _locked_chain(chain: tuple[Grant, ...]) -> tuple[Grant, ...]:
    """The chain's rows re-read inside the caller's transaction, locked on PostgreSQL (order kept)."""
    if not chain:
        return ()
    rows = {row.id: row for row in await Grant.filter(id__in=[g.id for g in chain]).select_for_update()}
    if len(rows) != len(chain):
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有有效的授权", None)
    return tuple(rows[g.id] for g in chain)


def _describe(grant: GrantFacts) -> dict[str, object]:
    return {
        "scope": sorted(grant.scope),
        "startsAt": grant.period.starts_at.isoformat(),
        "endsAt": grant.period.ends_at.isoformat(),
        "mayGrantOnward": grant.may_grant_onward,
        "mayManageCandidates": grant.may_manage_candidates,
    }
