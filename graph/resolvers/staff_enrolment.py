"""Staff enrolment at first login (A2): startStaffEnrolment, completeStaffEnrolment; public, proven by setup code."""

from __future__ import annotations

from typing import Annotated

from strawberry.types import Info

from graph.resolvers.common import ctx, guarded
from graph.resolvers.sessions import _success
from graph.schema.errors import FieldError, result_union
from graph.schema.inputs import CompleteStaffEnrolmentInput, StartStaffEnrolmentInput
from graph.schema.staff_types import StaffEnrolmentStarted
from graph.schema.types import LoginSuccess
from uidp.services.auth.login import LoginOutcome
from uidp.services.staff.staff_enrolment import StaffEnrolments

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
        return await _success(info, LoginOutcome(issued, "staff", staff.id))

    return await guarded(info, call)
