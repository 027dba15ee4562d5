"""Applications for a grant (申请授权, manual §2.6): a person asks an entity; the entity or a grantor decides.

An applicant has at most one open application per entity (the database holds it: ``pending_key`` is unique
while pending) and ``APPLICATIONS_PER_DAY`` in all, counted before the application is looked at. A decision
flips the application from PENDING in one conditional update inside the transaction that makes the grant,
and the grant's ``application_id`` is unique: of two concurrent approvals exactly one grant exists, and the
other answers CASE_ALREADY_DECIDED. The applicant is told the decision by SMS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.delegation import (
    MIN_GRANTEE_LEVEL,
    ApplicationStatus,
    Period,
    check_may_grant_onward,
    check_may_manage_candidates,
    check_period,
    check_scope_items,
)
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.candidate import DelegationCandidate
from uidp.models.grant import Grant
from uidp.models.grant_application import GrantApplication
from uidp.models.person import Person, PersonStatus
from uidp.runtime import Runtime
from uidp.services.delegation.acting import Acting, acting, parse_id
from uidp.services.delegation.candidates import name_index
from uidp.services.delegation.grants import GrantForm, Grants, delegable_items, normalize_scope
from uidp.services.entities.entities import EntityLookup, mask_entity_name
from uidp.services.entities.entity_records import open_entity
from uidp.services.shared.audit import Audit
from uidp.services.shared.notify import notify_by_sms
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.request_limits import spend

APPLICATIONS_PER_DAY = 10  # per applicant, across entities
REASON_MAX = 200
NOT_FOUND = "授权申请不存在"
DECIDED = "该授权申请已处理"


@dataclass(frozen=True)
class ApplicationForm:
    credit_code: str
    scope: list[str]
    ends_at: datetime
    reason: str
    starts_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """An approval's choices for the grant it makes."""

    may_grant_onward: bool = False
    may_manage_candidates: bool = False


@dataclass(frozen=True)
class Decided:
    application: GrantApplication
    grant: Grant | None


def _reason(raw: str, field: str, *, required: bool) -> str:
    text = " ".join((raw or "").split())
    if required and not text:
        raise DomainError(ErrorCode.REQUIRED, "请填写原因", field)
    if len(text) > REASON_MAX:
        raise DomainError(ErrorCode.INPUT_TOO_LONG, f"原因最多 {REASON_MAX} 个字", field)
    return text


class Applications:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)

    async def apply(self, principal: Principal, form: ApplicationForm, client: ClientInfo) -> GrantApplication:
        """A person's application. Errors: GRANTEE_LEVEL_TOO_LOW, NOT_FOUND (credit code), ITEM_NOT_DELEGABLE,
        PERIOD_*, ALREADY_EXISTS (an open application to this entity), RATE_LIMITED."""
        if principal.kind != SubjectKind.PERSON:
            raise DomainError(ErrorCode.FORBIDDEN, "请使用个人账号登录后申请授权")
        reason = _reason(form.reason, "reason", required=True)
        scope = normalize_scope(form.scope)
        now = self.rt.clock.now()
        period = Period(form.starts_at or now, form.ends_at)
        check_period(period, now)
        code = normalize_credit_code(form.credit_code or "")
        await spend(self.rt, f"limit:grant-application:{principal.id}", limit=APPLICATIONS_PER_DAY, window=86400)
        person = await Person.get_or_none(id=principal.id)
        if person is None:
            raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
        if person.status != PersonStatus.ACTIVE or person.level < MIN_GRANTEE_LEVEL:
            raise DomainError(ErrorCode.GRANTEE_LEVEL_TOO_LOW, "请先完成中级实名认证再申请授权", None)
        entity = await EntityLookup(self.rt).by_credit_code(code)
        if entity is None:
            raise DomainError(ErrorCode.NOT_FOUND, "未找到该统一社会信用代码对应的法人账号", "creditCode")
        check_scope_items(scope, await delegable_items(scope))
        application_id = uuid.uuid4()
        try:
            async with in_transaction():
                application = await GrantApplication.create(
                    id=application_id,
                    entity_id=entity.id,
                    applicant_id=person.id,
                    scope=sorted(scope),
                    starts_at=period.starts_at,
                    ends_at=period.ends_at,
                    reason=reason,
                    status=ApplicationStatus.PENDING,
                    pending_key=f"{entity.id}:{person.id}",
                    created_at=now,
                )
        except IntegrityError:
            raise DomainError(
                ErrorCode.ALREADY_EXISTS, "您已向该单位提交过授权申请，请等待处理", "creditCode"
            ) from None
        await self.audit.record(
            "delegation.application_submitted",
            actor=principal,
            subject=(SubjectKind.ENTITY, entity.id),
            client=client,
            application=str(application.id),
            scope=sorted(scope),
        )
        return application

    async def approve(
        self,
        principal: Principal,
        under_grant: str | None,
        application_id: str,
        decision: Decision,
        client: ClientInfo,
    ) -> Decided:
        """Approve: the grant is made by the entity, or under the decider's own grant (with its rules)."""
        who, application = await self._pending(principal, under_grant, application_id)
        candidate = await self._candidate(who, application)
        form = GrantForm(
            grantee=str(candidate.id),
            scope=list(application.scope),
            starts_at=max(application.starts_at, self.rt.clock.now()),
            ends_at=application.ends_at,
            may_grant_onward=decision.may_grant_onward,
            may_manage_candidates=decision.may_manage_candidates,
        )
        try:
            async with in_transaction():
                await self._close(application.id, who, ApplicationStatus.APPROVED, "")
                grant = await Grants(self.rt).create_for(
                    who,
                    form,
                    client,
                    application_id=application.id,
                    grantee_field="applicationId",
                    scope_field="applicationId",
                    period_field="applicationId",
                    ends_field="applicationId",
                    starts_field="applicationId",
                )
                await GrantApplication.filter(id=application.id).update(grant_id=grant.id)
        except IntegrityError:  # a concurrent approval made the grant first (grant.application_id is unique)
            raise DomainError(ErrorCode.CASE_ALREADY_DECIDED, DECIDED, "applicationId") from None
        return await self._decided(who, application.id, grant, client)

    async def reject(
        self, principal: Principal, under_grant: str | None, application_id: str, reason: str, client: ClientInfo
    ) -> Decided:
        """Reject with a reason, which the applicant is sent."""
        text = _reason(reason, "reason", required=True)
        who, application = await self._pending(principal, under_grant, application_id)
        async with in_transaction():
            await self._close(application.id, who, ApplicationStatus.REJECTED, text)
        return await self._decided(who, application.id, None, client)

    async def _pending(
        self, principal: Principal, under_grant: str | None, application_id: str
    ) -> tuple[Acting, GrantApplication]:
        """The decider and the pending application. Only someone who could make this grant decides on it."""
        who = await acting(principal, under_grant)
        row_id = parse_id(application_id, "applicationId")
        application = await GrantApplication.get_or_none(id=row_id, entity_id=who.entity.id)
        if application is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "applicationId")
        check_may_grant_onward(who.facts, self.rt.clock.now())
        if application.status != ApplicationStatus.PENDING:
            raise DomainError(ErrorCode.CASE_ALREADY_DECIDED, DECIDED, "applicationId")
        return who, application

    async def _decided(
        self, who: Acting, application_id: uuid.UUID, grant: Grant | None, client: ClientInfo
    ) -> Decided:
        fresh = await GrantApplication.get(id=application_id)
        await self.audit.record(
            "delegation.application_decided",
            actor=who.principal,
            subject=(SubjectKind.ENTITY, who.entity.id),
            client=client,
            application=str(application_id),
            decision=fresh.status.value,
            grant=str(grant.id) if grant else None,
            under_grant=str(who.grant_id) if who.grant_id else None,
        )
        await self._tell_applicant(fresh, who)
        return Decided(fresh, grant)

    async def _candidate(self, who: Acting, application: GrantApplication) -> DelegationCandidate:
        """The applicant's candidate row; added now if the decider may change the list, else NOT_A_CANDIDATE."""
        found = await DelegationCandidate.get_or_none(entity_id=who.entity.id, person_id=application.applicant_id)
        if found is not None:
            return found
        try:
            check_may_manage_candidates(who.facts, self.rt.clock.now())
        except DomainError:
            raise DomainError(
                ErrorCode.NOT_A_CANDIDATE, "申请人不在可授权人列表中，请由单位先添加", "applicationId"
            ) from None
        person = await Person.get(id=application.applicant_id)
        kind, actor_id = who.actor
        try:
            return await DelegationCandidate.create(
                id=uuid.uuid4(),
                entity_id=who.entity.id,
                person_id=person.id,
                name_index=name_index(self.pii, self.pii.open("person.name", person.id, person.name_enc)),
                added_by_kind=kind,
                added_by_id=actor_id,
                created_at=self.rt.clock.now(),
            )
        except IntegrityError:
            return await DelegationCandidate.get(entity_id=who.entity.id, person_id=person.id)

    async def _close(self, application_id: uuid.UUID, who: Acting, status: ApplicationStatus, reason: str) -> None:
        kind, actor_id = who.actor
        changed = await GrantApplication.filter(id=application_id, status=ApplicationStatus.PENDING).update(
            status=status,
            pending_key=None,
            decided_by_kind=kind,
            decided_by_id=actor_id,
            decided_at=self.rt.clock.now(),
            decision_reason=reason or None,
        )
        if changed != 1:
            raise DomainError(ErrorCode.CASE_ALREADY_DECIDED, DECIDED, "applicationId")

    async def _tell_applicant(self, application: GrantApplication, who: Acting) -> None:
        person = await Person.get_or_none(id=application.applicant_id)
        if person is None or person.phone_enc is None:
            return
        name = mask_entity_name(open_entity(self.pii, who.entity).name)
        if application.status == ApplicationStatus.APPROVED:
            text = f"您向{name}提交的授权申请已通过，可使用代理登录办理授权范围内的事项。"
        else:
            text = f"您向{name}提交的授权申请未通过，原因：{application.decision_reason or ''}。"
        phone = self.pii.open("person.phone", person.id, person.phone_enc)
        await notify_by_sms(self.rt, phone, text, purpose="grant_application_decided")
