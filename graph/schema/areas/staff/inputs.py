"""Inputs of the staff area (A2, A3): the catalogue, person operations, staff accounts, enrolment, API tokens, audit."""

from __future__ import annotations

from datetime import datetime

import strawberry

from uidp.domain.accounts import StaffRole as DomainStaffRole

StaffRole = strawberry.enum(DomainStaffRole, name="StaffRole", description="Staff roles (A2).")


@strawberry.input(description="Create or change a catalogue item by its code (saving a retired one revives it).")
class UpsertServiceItemInput:
    code: str = strawberry.field(
        description="The service item's code: 1-64 upper-case letters, digits, '.', '-' or '_'."
    )
    name: str = strawberry.field(description="The service item's name (1-100 characters).")
    delegable: bool = strawberry.field(
        default=True, description="Whether the item may be delegated to someone else (委托办理)."
    )


@strawberry.input(description="Retire a service item from the catalogue.")
class RetireServiceItemInput:
    code: str = strawberry.field(description="The code of the item to retire.")


@strawberry.input(description="Clear a person account's login lock.")
class UnlockAccountInput:
    person_id: strawberry.ID = strawberry.field(description="The person account's id.")


@strawberry.input(description="End every session of a person account.")
class EndPersonSessionsInput:
    person_id: strawberry.ID = strawberry.field(description="The person account's id.")


@strawberry.input(description="CSV with the header name,certificate_type,certificate_number,phone (P2).")
class ImportPersonsInput:
    csv: str = strawberry.field(
        description="CSV text with a header line: name, certificate_type, certificate_number, phone."
    )


@strawberry.input(description="A staff account; the member sets password and TOTP at first login (enrolment).")
class CreateStaffInput:
    username: str = strawberry.field(description="The new member's username: letters, digits, '.', '-' or '_'.")
    roles: list[StaffRole] = strawberry.field(description="The staff roles the new member gets (at least one).")
    display_name: str | None = strawberry.field(
        default=None, description="The name other staff see; defaults to the username."
    )


@strawberry.input(description="Administrators: a new setup code (lost authenticator, or a lost first code).")
class IssueStaffSetupCodeInput:
    username: str = strawberry.field(description="The member who needs a new setup code.")


@strawberry.input(description="Enrolment step 1: the username and the setup code handed over out of band.")
class StartStaffEnrolmentInput:
    username: str = strawberry.field(description="The staff username.")
    setup_code: str = strawberry.field(description="The single-use setup code the administrator handed over.")


@strawberry.input(
    description="Enrolment step 2: the first code of the new authenticator, and the new password (a new "
    "account) or the current password (a TOTP reset, `needsCurrentPassword`)."
)
class CompleteStaffEnrolmentInput:
    enrolment_token: str = strawberry.field(description="The `enrolmentToken` from startStaffEnrolment.")
    totp_code: str = strawberry.field(description="The 6-digit code the authenticator app shows now.")
    password: str | None = strawberry.field(default=None, description="The password the member chooses.")
    password_confirmation: str | None = strawberry.field(default=None, description="The password typed a second time.")
    current_password: str | None = strawberry.field(
        default=None, description="Only for a TOTP reset: the member's current password."
    )


@strawberry.input(description="A script token for the caller (a staff session; an API token cannot mint one).")
class CreateApiTokenInput:
    name: str = strawberry.field(description="A name for the token, so its owner recognises it (1-64 characters).")
    scopes: list[str] = strawberry.field(description="What the token may do; at least one of the documented scopes.")
    expires_in_days: int = strawberry.field(default=30, description="Days until the token expires (1-365).")


@strawberry.input(description="Revoke one API token.")
class RevokeApiTokenInput:
    token_id: strawberry.ID = strawberry.field(description="The token's `id`, as listed in apiTokens.")


@strawberry.input(description="All given conditions must hold; `from` inclusive, `to` exclusive.")
class AuditEventFilter:
    event_type: str | None = strawberry.field(
        default=None, description="Only events of this type, for example `login.succeeded`."
    )
    subject_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only events about this account (its id)."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Only events at or after this time."
    )
    to: datetime | None = strawberry.field(default=None, description="Only events before this time.")
