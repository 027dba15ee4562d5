"""Inputs of password login for persons (P3) and staff."""

from __future__ import annotations

import strawberry


@strawberry.input(description="P3: phone, ID number or other certificate number, and password.")
class LoginWithPasswordInput:
    identifier: str = strawberry.field(description="A mobile phone number or a certificate number.")
    password: str = strawberry.field(description="The login password.")
    captcha_id: str | None = strawberry.field(default=None, description="Required once `captchaRequired`.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


@strawberry.input(description="Staff login: username, password and the 6-digit code of the authenticator app.")
class LoginStaffInput:
    username: str = strawberry.field(description="The staff username.")
    password: str = strawberry.field(description="The staff member's password.")
    totp_code: str | None = strawberry.field(default=None, description="Without it: SECOND_FACTOR_REQUIRED.")
    captcha_id: str | None = strawberry.field(default=None, description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )
