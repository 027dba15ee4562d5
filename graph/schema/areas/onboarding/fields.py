"""Root fields of onboarding: captchas (X1), SMS codes (X2), the catalogue and the dev profile's sandbox."""

from __future__ import annotations

import strawberry

from graph.schema.areas.onboarding import resolvers
from graph.schema.areas.onboarding.types import Captcha, LoginMethodInfo, RegistrationRules, SandboxSms


@strawberry.type
class OnboardingQuery:
    login_methods: list[LoginMethodInfo] = strawberry.field(
        resolver=resolvers.login_methods, description="Login methods of the installed plugins."
    )
    registration_rules: RegistrationRules = strawberry.field(
        resolver=resolvers.registration_rules, description="Rules a registration form shows."
    )
    sandbox_outbox: list[SandboxSms] = strawberry.field(
        resolver=resolvers.sandbox_outbox,
        description="Staff, dev profile: the sandbox SMS outbox, newest first.",
    )
    sandbox_captcha_answer: str | None = strawberry.field(
        resolver=resolvers.sandbox_captcha_answer, description="Staff, dev profile: a captcha's answer."
    )


@strawberry.type
class OnboardingMutation:
    request_captcha: Captcha = strawberry.field(
        resolver=resolvers.request_captcha, description="A new image captcha to show before a protected form (X1)."
    )
    send_sms_code: resolvers.SendSmsCodeResult = strawberry.field(
        resolver=resolvers.send_sms_code,
        description="Send an SMS code to a phone the caller types; the answer never tells whether it has an account "
        "(X2).",
    )
    send_activation_code: resolvers.SendActivationCodeResult = strawberry.field(
        resolver=resolvers.send_activation_code,
        description="Send the activation code to the phone on record of a pre-provisioned account; a number with "
        "nothing to activate gets the same answer, and nothing is sent (P2).",
    )
