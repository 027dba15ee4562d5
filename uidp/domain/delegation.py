"""Delegation rules (法人授权, manual §2.6, SPEC E9): every rule about a grant, in one place, pure.

A grant lets a person (the grantee) act for a legal entity on some service items during a period. The entity
grants at level 1; a grantee allowed to grant onward may grant inside its own scope and period, down to level
3 (``MAX_DEPTH``). A grant is described by :class:`GrantFacts`; a *chain* is the tuple of grants from the
entity's level-1 grant down to one grant. The same checks run when a grant is made or changed
(:func:`check_new_grant`) and every time one is used (:func:`check_chain`, :func:`check_use`), so a grant whose
ancestor was cancelled, expired or narrowed never opens anything, whatever a sweeper has done yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from uidp.domain.errors import DomainError, ErrorCode

MAX_DEPTH = 3  # 授权层级最多三层
MIN_GRANTEE_LEVEL = 2  # 被授权人必须为已通过实名认证的自然人用户 (中级 or above)
START_GRACE = timedelta(minutes=10)  # a start typed "now" on a slow form is not "in the past"
MAX_SCOPE_ITEMS = 200


class GrantState(StrEnum):
    """What the database stores. PENDING and EXPIRED-by-time are read from the period (:func:`status_at`)."""

    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"  # cancelled by a grantor, or ended because a grant above it or its holder ended
    EXPIRED = "EXPIRED"  # the sweeper marked it at its end time


class GrantStatus(StrEnum):
    """What a grant is now, as the user space shows it (待生效, 生效中, 已过期, 已取消)."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class EndReason(StrEnum):
    """Why a grant ended (kept with the grant and in its history)."""

    CANCELLED = "cancelled"  # a grantor cancelled this grant
    EXPIRED = "expired"  # its period ended
    PARENT_ENDED = "parent_ended"  # a grant above it was cancelled or expired
    NO_LONGER_FITS = "no_longer_fits"  # the grant above it was narrowed (period or scope)
    REPRESENTATIVE_CHANGED = "representative_changed"  # E8 gave the entity a new legal representative
    PERSON_CANCELLED = "person_cancelled"  # the grantor or grantee cancelled their account (P10)


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class Period:
    """A grant's validity: from ``starts_at`` (inclusive) to ``ends_at`` (exclusive), aware datetimes."""

    starts_at: datetime
    ends_at: datetime

    def within(self, outer: Period) -> bool:
        return outer.starts_at <= self.starts_at and self.ends_at <= outer.ends_at

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class GrantFacts:
    """One grant as the rules see it (the services build it from the stored row)."""

    id: uuid.UUID
    entity_id: uuid.UUID
    parent_id: uuid.UUID | None  # None: granted by the entity itself (depth 1)
    grantor_id: uuid.UUID  # the entity (depth 1) or the person holding the parent grant
    grantee_id: uuid.UUID
    depth: int
    scope: frozenset[str]  # service-item codes
    period: Period
    may_grant_onward: bool = False
    may_manage_candidates: bool = False
    state: GrantState = GrantState.ACTIVE


@dataclass(frozen=True)
class Grantee:
    """What the rules need to know about a proposed grantee."""

    person_id: uuid.UUID
    level: int
    active: bool  # an ACTIVE person account
    is_candidate: bool  # on the entity's candidate list


def status_at(grant: GrantFacts, now: datetime) -> GrantStatus:
    """The grant's own status at ``now`` (its ancestors are not looked at: see :func:`check_chain`)."""
    if grant.state == GrantState.CANCELLED:
        return GrantStatus.CANCELLED
    if grant.state == GrantState.EXPIRED or now >= grant.period.ends_at:
        return GrantStatus.EXPIRED
    if now < grant.period.starts_at:
        return GrantStatus.PENDING
    return GrantStatus.ACTIVE


def check_period(
    period: Period,
    now: datetime,
    *,
    ends_field: str | None = "period.endsAt",
    starts_field: str | None = "period.startsAt",
    moved_start: bool = True,
) -> None:
    """A period must not have ended, must end after it starts, and may not start in the past (unless its start
    is not being moved: a change may keep a started grant's start)."""
    if period.ends_at <= now:
        raise DomainError(ErrorCode.PERIOD_IN_PAST, "授权结束时间已过，请重新选择", ends_field)
    if period.ends_at <= period.starts_at:
        raise DomainError(ErrorCode.PERIOD_INVALID, "授权结束时间须晚于开始时间", ends_field)
    if moved_start and period.starts_at < now - START_GRACE:
        raise DomainError(ErrorCode.PERIOD_IN_PAST, "授权开始时间不能早于当前时间", starts_field)


def check_scope_items(scope: frozenset[str], delegable: Mapping[str, bool], *, field: str | None = "scope") -> None:
    """Every item must be in the catalogue, active and delegable (``delegable`` maps code -> usable now)."""
    if not scope:
        raise DomainError(ErrorCode.REQUIRED, "请选择授权的服务事项", field)
    if len(scope) > MAX_SCOPE_ITEMS:
        raise DomainError(ErrorCode.INPUT_TOO_LONG, f"一次最多授权 {MAX_SCOPE_ITEMS} 个服务事项", field)
    for code in sorted(scope):
        if not delegable.get(code, False):
            raise DomainError(ErrorCode.ITEM_NOT_DELEGABLE, "所选服务事项不存在或不可授权", field, item=code)


def check_grantee(grantor_person: uuid.UUID | None, grantee: Grantee, *, field: str | None = "grantee") -> None:
    """Never to oneself; a real-name person of level 2 or above on the entity's candidate list."""
    if grantor_person is not None and grantee.person_id == grantor_person:
        raise DomainError(ErrorCode.SELF_GRANT, "不能授权给自己", field)
    if not grantee.active or grantee.level < MIN_GRANTEE_LEVEL:
        raise DomainError(ErrorCode.GRANTEE_LEVEL_TOO_LOW, "被授权人须为已通过中级及以上实名认证的自然人用户", field)
    if not grantee.is_candidate:
        raise DomainError(ErrorCode.NOT_A_CANDIDATE, "被授权人不在本单位的可授权人列表中，请先添加", field)


def check_link(
    chain_above: Sequence[GrantFacts],
    grant: GrantFacts,
    *,
    grantee_field: str | None = "grantee",
    scope_field: str | None = "scope",
    period_field: str | None = "period",
    candidates_field: str | None = "mayManageCandidates",
    onward_field: str | None = "mayGrantOnward",
) -> None:
    """The structural rules between a grant and the chain above it (at creation, change and every use).

    Depth and parentage, no person twice in a chain (no cycle, never to oneself), scope and period inside the
    parent's, and onward rights only where the parent has them. The ``*_field`` arguments name the form's
    fields (None at use, where no form is involved).
    """
    parent = chain_above[-1] if chain_above else None
    if grant.depth != len(chain_above) + 1 or grant.depth > MAX_DEPTH:
        raise DomainError(ErrorCode.GRANT_DEPTH_EXCEEDED, "授权层级最多三层，不能再向下授权", None)
    if parent is None:
        if grant.parent_id is not None or grant.grantor_id != grant.entity_id:
            raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有可以继续授权的有效授权", None)
    else:
        if grant.parent_id != parent.id or grant.grantor_id != parent.grantee_id or grant.entity_id != parent.entity_id:
            raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有可以继续授权的有效授权", None)
        if grant.grantee_id == grant.grantor_id:
            raise DomainError(ErrorCode.SELF_GRANT, "不能授权给自己", grantee_field)
        if any(above.grantee_id == grant.grantee_id for above in chain_above):
            raise DomainError(ErrorCode.GRANT_CYCLE, "该人员已在本授权链的上级中，不能形成循环授权", grantee_field)
        if not grant.scope <= parent.scope:
            raise DomainError(
                ErrorCode.SCOPE_BEYOND_GRANTOR,
                "授权的服务事项超出了您自己的授权范围",
                scope_field,
                items=sorted(grant.scope - parent.scope),
            )
        if not grant.period.within(parent.period):
            raise DomainError(ErrorCode.PERIOD_BEYOND_GRANTOR, "授权有效期超出了您自己的授权有效期", period_field)
        if grant.may_manage_candidates and not parent.may_manage_candidates:
            raise DomainError(
                ErrorCode.SCOPE_BEYOND_GRANTOR, "您没有管理可授权人的权限，不能转授该权限", candidates_field
            )
    if grant.may_grant_onward and grant.depth >= MAX_DEPTH:
        raise DomainError(ErrorCode.GRANT_DEPTH_EXCEEDED, "第三级被授权人不能再向下授权", onward_field)


def check_chain(chain: Sequence[GrantFacts], now: datetime) -> None:
    """A chain (level 1 first) is usable at ``now``: every link is well formed and in force.

    Raises GRANT_CANCELLED, GRANT_EXPIRED or GRANT_NOT_STARTED for the first link that is not in force (an
    ancestor's end ends everything below it), or the structural code of :func:`check_link`.
    """
    if not chain:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "没有有效的授权", None)
    for depth, grant in enumerate(chain):
        check_link(
            chain[:depth],
            grant,
            grantee_field=None,
            scope_field=None,
            period_field=None,
            candidates_field=None,
            onward_field=None,
        )
        status = status_at(grant, now)
        if status == GrantStatus.CANCELLED:
            raise DomainError(ErrorCode.GRANT_CANCELLED, "授权已取消", None, grant=str(grant.id))
        if status == GrantStatus.EXPIRED:
            raise DomainError(ErrorCode.GRANT_EXPIRED, "授权已过期", None, grant=str(grant.id))
        if status == GrantStatus.PENDING:
            raise DomainError(ErrorCode.GRANT_NOT_STARTED, "授权尚未生效", None, grant=str(grant.id))


def check_use(chain: Sequence[GrantFacts], item: str | None, now: datetime) -> None:
    """The holder of the chain's last grant may act for the entity on ``item`` now (None: on any of its items)."""
    check_chain(chain, now)
    if item is not None and item not in chain[-1].scope:
        raise DomainError(ErrorCode.OUT_OF_SCOPE, "该服务事项不在授权范围内", None, item=item)


def check_may_grant_onward(chain_above: Sequence[GrantFacts], now: datetime) -> None:
    """The grantor (the last grant's holder) holds an active grant that allows granting onward."""
    if not chain_above:
        return  # the entity itself
    if len(chain_above) >= MAX_DEPTH:
        raise DomainError(ErrorCode.GRANT_DEPTH_EXCEEDED, "授权层级最多三层，不能再向下授权", None)
    try:
        check_chain(chain_above, now)
    except DomainError:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有可以继续授权的有效授权", None) from None
    if not chain_above[-1].may_grant_onward:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您的授权不允许再次授权", None)


def check_may_manage_candidates(chain: Sequence[GrantFacts], now: datetime) -> None:
    """A person changes an entity's candidate list only under an active grant that allows it (the entity always)."""
    if not chain:
        return
    try:
        check_chain(chain, now)
    except DomainError:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您没有有效的授权", None) from None
    if not chain[-1].may_manage_candidates:
        raise DomainError(ErrorCode.NO_ACTIVE_GRANT, "您的授权不包含管理可授权人", None)


def check_new_grant(
    chain_above: Sequence[GrantFacts],
    grant: GrantFacts,
    grantee: Grantee,
    delegable: Mapping[str, bool],
    now: datetime,
    *,
    grantee_field: str | None = "grantee",
    scope_field: str | None = "scope",
    period_field: str | None = "period",
    ends_field: str | None = "period.endsAt",
    starts_field: str | None = "period.startsAt",
) -> None:
    """Everything a new grant must satisfy, in the order the form shows errors.

    ``chain_above`` is empty when the entity grants, else the grantor's own chain (the grant they hold). The
    ``*_field`` arguments name the form's fields (an approval names its application instead).
    """
    check_may_grant_onward(chain_above, now)
    check_grantee(grant.grantor_id if chain_above else None, grantee, field=grantee_field)
    check_scope_items(grant.scope, delegable, field=scope_field)
    check_period(grant.period, now, ends_field=ends_field, starts_field=starts_field)
    check_link(chain_above, grant, grantee_field=grantee_field, scope_field=scope_field, period_field=period_field)


def check_change(
    chain_above: Sequence[GrantFacts],
    before: GrantFacts,
    after: GrantFacts,
    delegable: Mapping[str, bool],
    now: datetime,
) -> None:
    """A change of period or scope: the grant must be in force or pending, and fit as if it were made now.

    Items it already covers stay even if retired since (decision 27); added items must be delegable now. An
    unchanged start may lie in the past (the grant has begun); a moved start may not.
    """
    status = status_at(before, now)
    if status == GrantStatus.CANCELLED:
        raise DomainError(ErrorCode.GRANT_CANCELLED, "授权已取消，不能变更", None)
    if status == GrantStatus.EXPIRED:
        raise DomainError(ErrorCode.GRANT_EXPIRED, "授权已过期，不能变更", None)
    if not after.scope:
        raise DomainError(ErrorCode.REQUIRED, "请选择授权的服务事项", "scope")
    added = after.scope - before.scope
    if added:
        check_scope_items(added, delegable)
    check_period(after.period, now, moved_start=after.period.starts_at != before.period.starts_at)
    # grantee and onward rights do not change: only the fit inside the parent is in question
    check_link(chain_above, after, grantee_field=None, candidates_field=None, onward_field=None)


def fits_under(parent: GrantFacts, child: GrantFacts) -> bool:
    """Whether ``child`` still fits inside ``parent`` (scope, period, onward rights) after a change of the parent."""
    return (
        child.scope <= parent.scope
        and child.period.within(parent.period)
        and (parent.may_manage_candidates or not child.may_manage_candidates)
    )


def chain_persons(chain: Sequence[GrantFacts]) -> frozenset[uuid.UUID]:
    """The persons who hold a grant in the chain (a new grantee may not be one of them)."""
    return frozenset(grant.grantee_id for grant in chain)


def descendants(children: Mapping[uuid.UUID, Sequence[GrantFacts]], root: uuid.UUID) -> list[GrantFacts]:
    """Every grant below ``root`` in a tree given as parent id -> child grants (breadth first)."""
    found: list[GrantFacts] = []
    level = list(children.get(root, ()))
    while level:
        found.extend(level)
        level = [child for grant in level for child in children.get(grant.id, ())]
    return found


def ended_by_change(
    children: Mapping[uuid.UUID, Sequence[GrantFacts]], changed: GrantFacts
) -> list[tuple[GrantFacts, EndReason]]:
    """What must end when ``changed`` is narrowed: each direct child that no longer fits (NO_LONGER_FITS) and
    everything below such a child (PARENT_ENDED). A child that still fits keeps its whole subtree."""
    ended: list[tuple[GrantFacts, EndReason]] = []
    for child in children.get(changed.id, ()):
        if fits_under(changed, child):
            continue
        ended.append((child, EndReason.NO_LONGER_FITS))
        ended.extend((below, EndReason.PARENT_ENDED) for below in descendants(children, child.id))
    return ended
