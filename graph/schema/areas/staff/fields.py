"""Staff operations and scripts (A2) and the audit query (A3). Access rules: graph.permissions."""

from __future__ import annotations

import strawberry

from graph.schema.areas.staff import resolvers as staff
from graph.schema.areas.staff.types import ApiTokenInfo, ServiceItem


@strawberry.type
class StaffQuery:
    service_items: list[ServiceItem] = strawberry.field(
        resolver=staff.service_items, description="Everyone: the service-item catalogue (delegation forms use it)."
    )
    api_tokens: list[ApiTokenInfo] = strawberry.field(
        resolver=staff.api_tokens,
        description="Staff: their own script tokens (administrators: everyone's), never the tokens, newest first.",
    )
    audit_events: staff.AuditEventConnection = strawberry.field(
        resolver=staff.audit_events,
        description="Administrators (A3): audit events newest first; `first` is capped at 100.",
    )


@strawberry.type
class StaffMutation:
    upsert_service_item: staff.UpsertServiceItemResult = strawberry.field(
        resolver=staff.upsert_service_item, description="Operators, administrators: save a catalogue item."
    )
    retire_service_item: staff.RetireServiceItemResult = strawberry.field(
        resolver=staff.retire_service_item, description="Operators, administrators: retire a catalogue item."
    )
    unlock_account: staff.UnlockAccountResult = strawberry.field(
        resolver=staff.unlock_account, description="Operators, administrators: clear a person's login lock."
    )
    end_person_sessions: staff.EndPersonSessionsResult = strawberry.field(
        resolver=staff.end_person_sessions, description="Operators, administrators: end a person's sessions."
    )
    import_persons: staff.ImportPersonsResult = strawberry.field(
        resolver=staff.import_persons, description="Operators, administrators: pre-provision persons (P2)."
    )
    create_staff: staff.CreateStaffResult = strawberry.field(
        resolver=staff.create_staff,
        description="Administrators: a staff account and its single-use setup code (no password, no TOTP).",
    )
    issue_staff_setup_code: staff.IssueStaffSetupCodeResult = strawberry.field(
        resolver=staff.issue_staff_setup_code,
        description="Administrators: a new setup code (a lost authenticator: the old TOTP and sessions end).",
    )
    start_staff_enrolment: staff.StartStaffEnrolmentResult = strawberry.field(
        resolver=staff.start_staff_enrolment,
        description="Anyone with a setup code: spend it, get a new TOTP secret and an enrolment token.",
    )
    complete_staff_enrolment: staff.CompleteStaffEnrolmentResult = strawberry.field(
        resolver=staff.complete_staff_enrolment,
        description="Finish enrolment with the first TOTP code and the password; logs the member in.",
    )
    create_api_token: staff.CreateApiTokenResult = strawberry.field(
        resolver=staff.create_api_token,
        description="Staff, from a session: a scoped, expiring token for their own scripts.",
    )
    revoke_api_token: staff.RevokeApiTokenResult = strawberry.field(
        resolver=staff.revoke_api_token,
        description="Staff: revoke one of their tokens (administrators: anyone's).",
    )
