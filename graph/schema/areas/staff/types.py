"""Staff types (A2, A3): accounts and their enrolment, the service-item catalogue, imports, API tokens, audit."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.schema.types import StaffMember


@strawberry.type(
    description="Hand `setupCode` to the new member out of band (in person, sealed letter); it is shown only "
    "once, works once and expires. The member chooses password and TOTP with it (startStaffEnrolment)."
)
class StaffCreated:
    staff: StaffMember
    setup_code: str
    setup_code_expires_at: datetime


@strawberry.type(description="A new single-use setup code for a member (shown once).")
class StaffSetupCodeIssued:
    username: str
    setup_code: str
    expires_at: datetime
    needs_current_password: bool = strawberry.field(
        description="A TOTP reset: completing it needs the member's current password."
    )


@strawberry.type(
    description="Scan `otpauthUri` (or type `totpSecret`) into an authenticator app, then call "
    "completeStaffEnrolment with its first code before `expiresAt`."
)
class StaffEnrolmentStarted:
    enrolment_token: str
    otpauth_uri: str
    totp_secret: str
    expires_at: datetime
    needs_current_password: bool


@strawberry.type(description="A service item (服务事项) that grants may cover (E9), kept by staff (A2).")
class ServiceItem:
    code: str
    name: str
    delegable: bool = strawberry.field(description="Whether a legal person may delegate it.")
    active: bool


@strawberry.type(description="The catalogue item as saved.")
class ServiceItemSaved:
    item: ServiceItem


@strawberry.type(description="The catalogue item is retired and no longer offered.")
class ServiceItemRetired:
    item: ServiceItem


@strawberry.type(description="The account's login lock and failure count are cleared.")
class AccountUnlocked:
    person_id: strawberry.ID


@strawberry.type(description="The person's sessions have ended; `ended` says how many.")
class PersonSessionsEnded:
    person_id: strawberry.ID
    count: int


@strawberry.type(description="A CSV row that was not imported; its data is not echoed.")
class ImportRowError:
    line: int
    field: str
    message: str


@strawberry.type(description="How the CSV import went: rows imported, and the rows refused with why.")
class PersonsImported:
    created: int
    errors: list[ImportRowError]


@strawberry.type(description="A staff API token's record (never the token).")
class ApiTokenInfo:
    id: strawberry.ID
    staff_username: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.type(description="`token` is shown only once; send it as `Authorization: Bearer <token>`.")
class ApiTokenCreated:
    token: str
    api_token: ApiTokenInfo


@strawberry.type(description="The token is revoked and no longer works.")
class ApiTokenRevoked:
    api_token: ApiTokenInfo


@strawberry.type(description="One audit event; `details` hold masked values only.")
class AuditEventNode:
    id: strawberry.ID
    at: datetime
    event_type: str
    outcome: str
    actor_kind: str | None
    actor_id: strawberry.ID | None
    subject_kind: str | None
    subject_id: strawberry.ID | None
    client_address: str | None
    details: JSON

    @strawberry.field(description="The acting staff member's username; null when no staff member acted.")
    async def actor_name(self, info: strawberry.Info) -> str | None:
        if self.actor_kind != "staff" or self.actor_id is None:
            return None
        return await info.context.loaders.staff_usernames.load(uuid.UUID(str(self.actor_id)))


@strawberry.type(description="One audit event in a page of results, with its cursor.")
class AuditEventEdge:
    cursor: str
    node: AuditEventNode
