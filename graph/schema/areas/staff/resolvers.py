"""Staff operations (A2) and the audit query (A3): thin adapters over uidp.services.staff.staff_ops."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from graph.permissions import require_staff
from graph.resolvers.common import as_caller, ctx, guarded
from graph.resolvers.sessions import _success
from graph.schema.areas.staff.inputs import (
    AuditEventFilter,
    CompleteStaffEnrolmentInput,
    CreateApiTokenInput,
    CreateStaffInput,
    EndPersonSessionsInput,
    ImportPersonsInput,
    IssueStaffSetupCodeInput,
    RetireServiceItemInput,
    RevokeApiTokenInput,
    StartStaffEnrolmentInput,
    UnlockAccountInput,
    UpsertServiceItemInput,
)
from graph.schema.areas.staff.types import (
    AccountUnlocked,
    ApiTokenCreated,
    ApiTokenInfo,
    ApiTokenRevoked,
    AuditEventEdge,
    AuditEventNode,
    ImportRowError,
    PersonSessionsEnded,
    PersonsImported,
    ServiceItem,
    ServiceItemRetired,
    ServiceItemSaved,
    StaffCreated,
    StaffEnrolmentStarted,
    StaffSetupCodeIssued,
)
from graph.schema.errors import FieldError, Forbidden, NotAuthenticated, result_union
from graph.schema.pagination import After, Before, First, Last, PageInfo, connection
from graph.schema.types import LoginSuccess, StaffMember
from uidp.domain.accounts import StaffRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.service_item import ServiceItem as ServiceItemModel
from uidp.models.staff_token import StaffApiToken
from uidp.services.auth.api_tokens import ApiTokens
from uidp.services.auth.login import LoginOutcome
from uidp.services.shared.principal import Principal
from uidp.services.staff.staff import StaffService
from uidp.services.staff.staff_enrolment import TOTP_RESET, StaffEnrolments
from uidp.services.staff.staff_ops import AuditFilter, AuditLog, StaffOps, encode_audit_cursor, parse_person_id

T = TypeVar("T")


def _union(name: str, success: Any) -> Any:
    return Annotated[success | NotAuthenticated | Forbidden | FieldError, result_union(name)]


UpsertServiceItemResult = _union("UpsertServiceItemResult", ServiceItemSaved)
RetireServiceItemResult = _union("RetireServiceItemResult", ServiceItemRetired)
UnlockAccountResult = _union("UnlockAccountResult", AccountUnlocked)
EndPersonSessionsResult = _union("EndPersonSessionsResult", PersonSessionsEnded)
ImportPersonsResult = _union("ImportPersonsResult", PersonsImported)
CreateStaffResult = _union("CreateStaffResult", StaffCreated)
IssueStaffSetupCodeResult = _union("IssueStaffSetupCodeResult", StaffSetupCodeIssued)
CreateApiTokenResult = _union("CreateApiTokenResult", ApiTokenCreated)
RevokeApiTokenResult = _union("RevokeApiTokenResult", ApiTokenRevoked)


@strawberry.type(description="Audit events, newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo


def _item(model: ServiceItemModel) -> ServiceItem:
    return ServiceItem(code=model.code, name=model.name, delegable=model.delegable, active=model.active)


def _token(model: StaffApiToken, username: str) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=strawberry.ID(str(model.id)),
        staff_username=username,
        name=model.name,
        scopes=list(model.scopes),
        created_at=model.created_at,
        expires_at=model.expires_at,
        last_used_at=model.last_used_at,
        revoked_at=model.revoked_at,
    )


async def service_items(info: Info, include_retired: bool = False) -> list[ServiceItem]:
    rows = await StaffOps(ctx(info).rt).service_items(include_retired=include_retired)
    return [_item(row) for row in rows]


async def upsert_service_item(info: Info, input: UpsertServiceItemInput) -> UpsertServiceItemResult:
    c = ctx(info)

    async def work(actor: Principal) -> ServiceItemSaved:
        item = await StaffOps(c.rt).upsert_service_item(
            actor, c.client, code=input.code, name=input.name, delegable=input.delegable
        )
        return ServiceItemSaved(item=_item(item))

    return await as_caller(info, work, require_staff)


async def retire_service_item(info: Info, input: RetireServiceItemInput) -> RetireServiceItemResult:
    c = ctx(info)

    async def work(actor: Principal) -> ServiceItemRetired:
        return ServiceItemRetired(
            item=_item(await StaffOps(c.rt).retire_service_item(actor, c.client, code=input.code))
        )

    return await as_caller(info, work, require_staff)


async def unlock_account(info: Info, input: UnlockAccountInput) -> UnlockAccountResult:
    c = ctx(info)

    async def work(actor: Principal) -> AccountUnlocked:
        person_id = parse_person_id(input.person_id)
        await StaffOps(c.rt).unlock_account(actor, c.client, person_id)
        return AccountUnlocked(person_id=strawberry.ID(str(person_id)))

    return await as_caller(info, work, require_staff)


async def end_person_sessions(info: Info, input: EndPersonSessionsInput) -> EndPersonSessionsResult:
    c = ctx(info)

    async def work(actor: Principal) -> PersonSessionsEnded:
        person_id = parse_person_id(input.person_id)
        count = await StaffOps(c.rt).end_person_sessions(actor, c.client, person_id)
        return PersonSessionsEnded(person_id=strawberry.ID(str(person_id)), count=count)

    return await as_caller(info, work, require_staff)


async def import_persons(info: Info, input: ImportPersonsInput) -> ImportPersonsResult:
    c = ctx(info)

    async def work(actor: Principal) -> PersonsImported:
        report = await StaffOps(c.rt).import_persons(actor, c.client, input.csv)
        errors = [ImportRowError(line=line, field=field, message=message) for line, field, message in report.errors]
        return PersonsImported(created=report.created, errors=errors)

    return await as_caller(info, work, require_staff)


async def create_staff(info: Info, input: CreateStaffInput) -> CreateStaffResult:
    c = ctx(info)

    async def work(actor: Principal) -> StaffCreated:
        roles = [StaffRole(role) for role in input.roles]
        staff, setup = await StaffService(c.rt).create(
            input.username, input.display_name or "", roles, actor=actor, client=c.client
        )
        member = StaffMember(
            id=strawberry.ID(str(staff.id)),
            username=staff.username,
            display_name=staff.display_name,
            roles=list(staff.roles),
        )
        return StaffCreated(staff=member, setup_code=setup.code, setup_code_expires_at=setup.expires_at)

    return await as_caller(info, work, require_staff)


async def issue_staff_setup_code(info: Info, input: IssueStaffSetupCodeInput) -> IssueStaffSetupCodeResult:
    c = ctx(info)

    async def work(actor: Principal) -> StaffSetupCodeIssued:
        setup = await StaffService(c.rt).new_setup_code(input.username, actor=actor, client=c.client)
        return StaffSetupCodeIssued(
            username=input.username.strip().lower(),
            setup_code=setup.code,
            expires_at=setup.expires_at,
            needs_current_password=setup.purpose == TOTP_RESET,
        )

    return await as_caller(info, work, require_staff)


async def create_api_token(info: Info, input: CreateApiTokenInput) -> CreateApiTokenResult:
    c = ctx(info)

    async def work(actor: Principal) -> ApiTokenCreated:
        me = await StaffService(c.rt).get(actor.id)
        username = me.username if me else ""
        issued = await ApiTokens(c.rt).create(
            staff_username=username,
            name=input.name,
            scopes=list(input.scopes),
            expires_in_days=input.expires_in_days,
            actor=actor,
            client=c.client,
            username_field=None,
        )
        return ApiTokenCreated(token=issued.token, api_token=_token(issued.record, username))

    return await as_caller(info, work, require_staff)


async def revoke_api_token(info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenResult:
    c = ctx(info)

    async def work(actor: Principal) -> ApiTokenRevoked:
        try:
            token_id = uuid.UUID(str(input.token_id))
        except ValueError:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该令牌，或已被撤销", "tokenId") from None
        record = await ApiTokens(c.rt).revoke(token_id, actor=actor, client=c.client)
        staff = await StaffService(c.rt).get(record.staff_id)
        return ApiTokenRevoked(api_token=_token(record, staff.username if staff else ""))

    return await as_caller(info, work, require_staff)


async def api_tokens(info: Info, staff_username: str | None = None) -> list[ApiTokenInfo]:
    actor = await require_staff(info)
    rows = await ApiTokens(ctx(info).rt).listing(staff_username, actor=actor)
    return [_token(row, username) for row, username in rows]


def _node(event: AuditEvent) -> AuditEventNode:
    return AuditEventNode(
        id=strawberry.ID(str(event.id)),
        at=event.at,
        event_type=event.event_type,
        outcome=event.outcome,
        actor_kind=event.actor_kind,
        actor_id=strawberry.ID(str(event.actor_id)) if event.actor_id else None,
        subject_kind=event.subject_kind,
        subject_id=strawberry.ID(str(event.subject_id)) if event.subject_id else None,
        client_address=event.client_address,
        details=event.details,
    )


async def audit_events(
    info: Info,
    filter: AuditEventFilter | None = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> AuditEventConnection:
    actor = await require_staff(info)
    where = filter or AuditEventFilter()
    page = await AuditLog(ctx(info).rt).page(
        actor,
        AuditFilter(
            event_type=where.event_type,
            subject_id=str(where.subject_id) if where.subject_id else None,
            since=where.from_,
            until=where.to,
        ),
        first=first,
        after=after,
        last=last,
        before=before,
    )
    return connection(AuditEventConnection, AuditEventEdge, page, _node, encode_audit_cursor)


StartStaffEnrolmentResult = Annotated[
    StaffEnrolmentStarted | FieldError,
    result_union("StartStaffEnrolmentResult"),
]
CompleteStaffEnrolmentResult = Annotated[
    LoginSuccess | FieldError,
    result_union("CompleteStaffEnrolmentResult"),
]


async def start_staff_enrolment(info: Info, input: StartStaffEnrolmentInput) -> StartStaffEnrolmentResult:
    c = ctx(info)

    async def call() -> StaffEnrolmentStarted:
        started = await StaffEnrolments(c.rt).start(input.username, input.setup_code, c.client)
        return StaffEnrolmentStarted(
            enrolment_token=started.token,
            otpauth_uri=started.otpauth_uri,
            totp_secret=started.totp_secret,
            expires_at=started.expires_at,
            needs_current_password=started.needs_current_password,
        )

    return await guarded(info, call)


async def complete_staff_enrolment(info: Info, input: CompleteStaffEnrolmentInput) -> CompleteStaffEnrolmentResult:
    c = ctx(info)

    async def call() -> LoginSuccess:
        staff, issued = await StaffEnrolments(c.rt).complete(
            input.enrolment_token,
            totp_code=input.totp_code,
            password=input.password,
            password_confirmation=input.password_confirmation,
            current_password=input.current_password,
            client=c.client,
        )
        return await _success(info, LoginOutcome(issued, SubjectKind.STAFF, staff.id))

    return await guarded(info, call)
