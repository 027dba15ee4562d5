"""Staff accounts and their enrolment (A2): what createStaff, issueStaffSetupCode and the enrolment answer."""

from __future__ import annotations

from datetime import datetime

import strawberry

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
