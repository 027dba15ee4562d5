"""Inputs of proxy login (E3) and the authorisation check."""

from __future__ import annotations

import strawberry


@strawberry.input(
    description="E3 代理登录: the entity's credit code, the agent's phone or ID number and the agent's own password; "
    "the captcha only once LoginFailed.captchaRequired."
)
class LoginAsAgentInput:
    credit_code: str = strawberry.field(description="The entity's unified social credit code (统一社会信用代码).")
    identifier: str = strawberry.field(description="The agent's phone or certificate number (代理人手机号或身份证号).")
    password: str = strawberry.field(description="The agent's own person-account password.")
    service_item: str | None = strawberry.field(
        default=None,
        description="Optional: the service item (catalogue code) the agent comes to handle; the session then rests "
        "on a grant that covers it, and a login without such a grant is refused.",
    )
    captcha_id: str | None = strawberry.field(default=None, description="The `id` of a captcha from requestCaptcha.")
    captcha_answer: str | None = strawberry.field(
        default=None, description="The characters the user read from the captcha image."
    )


@strawberry.input(description="What checkAuthorisation is asked: an entity, a service item and, for staff, a person.")
class CheckAuthorisationInput:
    credit_code: str = strawberry.field(description="The entity's unified social credit code.")
    service_item: str = strawberry.field(description="The service item's catalogue code.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff only (an operator's session or an API token with scope `authorisation`): the person "
        "whose right is checked. Sessions of persons and entities check their own right and leave it out.",
    )
