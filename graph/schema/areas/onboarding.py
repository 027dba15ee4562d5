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
    request_captcha: Captcha = strawberry.field(
        resolver=onetime.request_captcha, description="A new image captcha to show before a protected form (X1)."
    )
    send_sms_code: onetime.SendSmsCodeResult = strawberry.field(
        resolver=onetime.send_sms_code,
        description="Send an SMS code to a phone the caller types; the answer never tells whether it has an account "
        "(X2).",
    )
    send_activation_code: onetime.SendActivationCodeResult = strawberry.field(
        resolver=onetime.send_activation_code,
        description="Send the activation code to the phone on record of a pre-provisioned account; a number with "
        "nothing to activate gets the same answer, and nothing is sent (P2).",
    )
    check_certificate: registration.CheckCertificateResult = strawberry.field(
        resolver=registration.check_certificate, description="P1e/P2: register, activate, or appeal?"
    )
    upload_document: registration.UploadDocumentResult = strawberry.field(
        resolver=registration.upload_document,
        description="Upload one document for a later form (multipart request with the CSRF header; P1c).",
    )
    register_person: registration.RegisterPersonResult = strawberry.field(
        resolver=registration.register_person, description="Register a natural person account (P1a-P1e)."
    )
    activate_person: registration.ActivatePersonResult = strawberry.field(
        resolver=registration.activate_person, description="Activate a pre-provisioned person account (P2)."
    )
    login_with_password: sessions.LoginWithPasswordResult = strawberry.field(
        resolver=sessions.login_with_password,
        description="Log in with a phone or certificate number and a password (P3, X7).",
    )
    login_staff: sessions.LoginStaffResult = strawberry.field(resolver=sessions.login_staff, description="Staff login.")
    logout: sessions.LogoutResult = strawberry.field(resolver=sessions.logout, description="End this session (X5).")
