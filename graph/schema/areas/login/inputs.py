"""Inputs of startLogin, completeLogin, completeBinding, sendBindingCode and completeBindingBySms."""

from __future__ import annotations

import strawberry


@strawberry.input(description="One parameter of a login method, by name (each method's docs list its names).")
class LoginParamInput:
    name: str = strawberry.field(description="The parameter's name, e.g. `auth_code`.")
    value: str = strawberry.field(description="Its value, as the partner or the user gave it.")


@strawberry.input(description="Start a login with a method of `loginMethods` that has a first step (P4-P6, E6).")
class StartLoginInput:
    method: str = strawberry.field(description="The login method's id from `loginMethods`, e.g. `alipay`.")
    params: list[LoginParamInput] = strawberry.field(
        default_factory=list, description="What the method takes to start, if anything (at most 16 parameters)."
    )


@strawberry.input(description="Finish a login with any method: the state from startLogin and the method's parameters.")
class CompleteLoginInput:
    method: str = strawberry.field(description="The login method's id, as given to startLogin.")
    state: str | None = strawberry.field(
        default=None,
        description="The state from startLogin (or from the partner's redirect back); methods without a start "
        "take none.",
    )
    params: list[LoginParamInput] = strawberry.field(
        default_factory=list,
        description="The method's parameters, at most 16: the partner's `auth_code` ...; for `password`: "
        "identifier, password, captchaId, captchaAnswer; for `ca`: certificate, chain (a JSON list), challenge, "
        "signature.",
    )


@strawberry.input(
    description="Redeem a binding ticket with the account's identifier and password; counted like a login "
    "(send a captcha once LoginFailed.captchaRequired). A wrong password spends the ticket."
)
class CompleteBindingInput:
    ticket: str = strawberry.field(description="The ticket of BindingRequired; this browser only, single use.")
    identifier: str = strawberry.field(
        description="The account's login identifier: a phone or certificate number, or the credit code of an entity."
    )
    password: str = strawberry.field(description="The account's password.")
    captcha_id: str | None = strawberry.field(
        default=None, description="The `id` of a captcha from requestCaptcha, once a captcha is required."
    )
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


@strawberry.input(
    description="Ask for an SMS code that proves a person account, to redeem a person's binding ticket with "
    "completeBindingBySms. The ticket is only read here, not spent."
)
class SendBindingCodeInput:
    ticket: str = strawberry.field(
        description="The ticket of BindingRequired (accountKind `person`); this browser only."
    )
    phone: str = strawberry.field(
        description="The login phone of the account to bind to. The answer looks the same whether or not the phone "
        "has an account; a code is sent only when it has."
    )
    captcha_id: str = strawberry.field(description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str = strawberry.field(description="The characters the user read from the captcha image.")


@strawberry.input(
    description="Redeem a person's binding ticket with the SMS code sent by sendBindingCode. A wrong code spends "
    "the ticket; wrong codes for a phone are bounded like every SMS code."
)
class CompleteBindingBySmsInput:
    ticket: str = strawberry.field(description="The ticket of BindingRequired; this browser only, single use.")
    phone: str = strawberry.field(description="The phone the code was sent to.")
    sms_code: str = strawberry.field(description="The 6-digit code from the SMS.")


@strawberry.input(description="Log in with a scan ticket that the partner's app CONFIRMED; from its page only, once.")
class RedeemLoginTicketInput:
    id: str = strawberry.field(description="`ticket` of LoginScanTicket.")
    secret: str = strawberry.field(description="`secret` of LoginScanTicket.")
