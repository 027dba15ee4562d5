"""Inputs of the person's own space (P11)."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    SmsPurpose,
)


@strawberry.input(description="P11: change the password of the logged-in person.")
class ChangePasswordInput:
    current_password: str | None = strawberry.field(
        default=None,
        description="The account's current login password; may be left out within PersonAccount"
        ".recoveryWindowEndsAt (10 minutes after an esscard login, FAQ 3.1).",
    )
    new_password: str = strawberry.field(
        description="The new login password (the password rules of registrationRules apply)."
    )
    new_password_confirmation: str = strawberry.field(description="The new password typed a second time.")


@strawberry.input(description="P11/P10: a code to my own phone; purpose CHANGE_PHONE_OLD or CANCEL_ACCOUNT.")
class SendMyPhoneCodeInput:
    purpose: SmsPurpose = strawberry.field(
        description="What the SMS code will be used for; a code only works for its own purpose."
    )


@strawberry.input(
    description="P11: codes from sendMyPhoneCode(CHANGE_PHONE_OLD) and sendSmsCode(CHANGE_PHONE_NEW, newPhone)."
)
class ChangePhoneInput:
    old_phone_code: str | None = strawberry.field(
        default=None,
        description="CHANGE_PHONE_OLD code; required while the account has a phone, except within"
        " PersonAccount.recoveryWindowEndsAt (FAQ 3.1).",
    )
    current_password: str | None = strawberry.field(
        default=None, description="Required instead of `oldPhoneCode` when the account has no phone (after P9a)."
    )
    new_phone: str = strawberry.field(description="The new mobile phone number.")
    new_phone_code: str = strawberry.field(description="The SMS code sent to the new phone.")


@strawberry.input(description="The owner has read a notice (LoginSuccess.notices / PersonAccount.notices).")
class AcknowledgeNoticeInput:
    notice_id: strawberry.ID = strawberry.field(description="The `id` of the notice being acknowledged.")


@strawberry.input(description="End one of my own sessions.")
class EndSessionInput:
    session_id: strawberry.ID = strawberry.field(
        description="The `id` of the session to end, as listed in PersonAccount.sessions."
    )


@strawberry.input(description="Remove one third-party login from my account.")
class UnbindLoginInput:
    provider: str = strawberry.field(
        description="The third-party login to remove, as listed in PersonAccount.bindings."
    )
