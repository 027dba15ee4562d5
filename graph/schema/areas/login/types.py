"""What startLogin and completeLogin answer besides a session: the next step, or BindingRequired."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.enums import LoginTicketStatus
from graph.schema.errors import Error


@strawberry.type(
    description="Send the browser to `url`. The partner sends it back with `state`; then call completeLogin "
    "from the same browser before `expiresAt`."
)
class LoginRedirect:
    url: str = strawberry.field(description="The partner's authorize page, carrying the state.")
    state: str = strawberry.field(description="Single use, bound to this browser (an HttpOnly cookie).")
    expires_at: datetime


@strawberry.type(
    description="Show the QR code (`qrSvg` or `qrPng`) for the partner's app to scan; follow the ticket with the "
    "`loginTicket` subscription (or query) and, once CONFIRMED, call redeemLoginTicket from this browser. Start "
    "again after `refreshSeconds`, when set, or at `expiresAt`."
)
class LoginScanTicket:
    ticket: str = strawberry.field(description="The ticket's id (the QR code carries it): `id` of loginTicket.")
    secret: str = strawberry.field(
        description="Only this page holds it: `secret` of loginTicket and redeemLoginTicket. Never put it in a URL."
    )
    qr_payload: str = strawberry.field(description="The text the QR code encodes.")
    qr_svg: str = strawberry.field(description="The QR code as an `<svg>` element.")
    qr_png: str = strawberry.field(description="The QR code as a PNG data URL.")
    expires_at: datetime
    refresh_seconds: int | None = strawberry.field(default=None, description="Start a new ticket this often.")


@strawberry.type(description="A scan login's ticket as its page follows it.")
class LoginTicketState:
    status: LoginTicketStatus
    expires_at: datetime = strawberry.field(
        description="When it expires unless it moves on (once CONFIRMED: redeem before this)."
    )
    refresh_seconds: int | None = strawberry.field(default=None, description="Start a new ticket this often.")


@strawberry.type(
    description="The partner proved who this is, but its account is bound to no account here yet: prove the "
    "account with completeBinding (password) or, for a person, sendBindingCode + completeBindingBySms (SMS code), "
    "and `ticket` (single use, this browser only, before `expiresAt`), or register."
)
class BindingRequired(Error):
    ticket: str = strawberry.field(description="For completeBinding or completeBindingBySms.")
    expires_at: datetime
    provider: str = strawberry.field(description="The login method's id.")
    provider_label: str = strawberry.field(description="The login method's label, for the page.")
    account_kind: str = strawberry.field(
        description="`person` (identifier: phone or certificate number) or `entity` (identifier: credit code)."
    )
