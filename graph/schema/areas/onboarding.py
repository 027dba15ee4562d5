"""Onboarding and sessions: captchas, SMS codes, registration, activation, login (P1-P3, X1-X7)."""

from __future__ import annotations

import strawberry

from graph.resolvers import catalog, onetime, registration, sandbox, sessions
from graph.schema.types import Captcha, LoginMethodInfo, RegistrationRules, SandboxSms, Viewer


@strawberry.type
class OnboardingQuery:
    me: Viewer | None = strawberry.field(resolver=sessions.me, description="The logged-in account, or null.")
    login_methods: list[LoginMethodInfo] = strawberry.field(
        resolver=catalog.login_methods, description="Login methods of the installed plugins."
    )
    registration_rules: RegistrationRules = strawberry.field(
        resolver=catalog.registration_rules, description="Rules a registration form shows."
    )
    sandbox_outbox: list[SandboxSms] = strawberry.field(
        resolver=sandbox.sandbox_outbox,
        description="Staff, dev profile: the sandbox SMS outbox, newest first.",
    )
    sandbox_captcha_answer: str | None = strawberry.field(
        resolver=sandbox.sandbox_captcha_answer, description="Staff, dev profile: a captcha's answer."
    )


@strawberry.type
class OnboardingMutation:
    request_captcha: Captcha = strawberry.field(resolver=onetime.request_captcha, description="X1.")
    send_sms_code: onetime.SendSmsCodeResult = strawberry.field(resolver=onetime.send_sms_code, description="X2.")
    check_certificate: registration.CheckCertificateResult = strawberry.field(
        resolver=registration.check_certificate, description="P1e/P2: register, activate, or appeal?"
    )
    upload_document: registration.UploadDocumentResult = strawberry.field(
        resolver=registration.upload_document, description="P1c documents (multipart, CSRF header)."
    )
    register_person: registration.RegisterPersonResult = strawberry.field(
        resolver=registration.register_person, description="P1a-P1e."
    )
    activate_person: registration.ActivatePersonResult = strawberry.field(
        resolver=registration.activate_person, description="P2."
    )
    login_with_password: sessions.LoginWithPasswordResult = strawberry.field(
        resolver=sessions.login_with_password, description="P3, X7."
    )
    login_staff: sessions.LoginStaffResult = strawberry.field(resolver=sessions.login_staff, description="Staff login.")
    logout: sessions.LogoutResult = strawberry.field(resolver=sessions.logout, description="X5.")
