"""Inputs of legal-person registration (E1) and login (E2)."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    EntityType,
)


@strawberry.input(description="E1 step 1: the legal representative's person account (code purpose ENTITY_REGISTER).")
class StartEntityRegistrationInput:
    phone: str = strawberry.field(description="The legal representative's phone of their person account.")
    sms_code: str = strawberry.field(description="The SMS code sent to `phone`.")
    password: str = strawberry.field(description="The representative's own person-account password.")


@strawberry.input(description="E1 step 2: the entity, its contact (code purpose ENTITY_REGISTER) and password.")
class RegisterEntityInput:
    ticket: str = strawberry.field(description="The step ticket the previous step of this flow answered.")
    entity_name: str = strawberry.field(description="The enterprise or institution name (企业/机构名称) as registered.")
    entity_type: EntityType = strawberry.field(description="The legal-person type (法人类型).")
    credit_code: str = strawberry.field(description="统一社会信用代码, 18 characters (GB 32100).")
    contact_name: str = strawberry.field(description="The contact person's name (联系人姓名).")
    contact_certificate_number: str = strawberry.field(description="The contact's resident ID number.")
    contact_phone: str = strawberry.field(description="The contact person's mobile phone; the SMS code goes there.")
    sms_code: str = strawberry.field(description="The ENTITY_REGISTER code sent to contactPhone.")
    password: str = strawberry.field(description="The login password.")
    password_confirmation: str = strawberry.field(description="The password typed a second time.")
    accept_terms: bool = strawberry.field(
        description="True once the user has read and accepted the registration terms (注册协议)."
    )


@strawberry.input(description="E2: credit code + password; the captcha only once LoginFailed.captchaRequired.")
class LoginEntityInput:
    credit_code: str = strawberry.field(description="The unified social credit code (统一社会信用代码), 18 characters.")
    password: str = strawberry.field(description="The entity account's login password.")
    captcha_id: str | None = strawberry.field(default=None, description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )
