"""Root fields of the login pipeline: startLogin, completeLogin, completeBinding, sendBindingCode,
completeBindingBySms, and a scan login's loginTicket (query and subscription) and redeemLoginTicket."""

from __future__ import annotations

import strawberry

from graph.schema.areas.login import resolvers as login


@strawberry.type
class LoginMutation:
    start_login: login.StartLoginResult = strawberry.mutation(
        resolver=login.start_login,
        description="The first step of a login method that has one: a redirect to the partner, or a QR code.",
    )
    complete_login: login.CompleteLoginResult = strawberry.mutation(
        resolver=login.complete_login,
        description="Finish a login with any method: a session, or BindingRequired for a partner account bound "
        "to no account yet.",
    )
    redeem_login_ticket: login.RedeemLoginTicketResult = strawberry.mutation(
        resolver=login.redeem_login_ticket,
        description="Log in with a scan ticket once loginTicket says CONFIRMED: from the page that started it "
        "(this browser and the ticket's secret), once; a session, or BindingRequired.",
    )
    complete_binding: login.CompleteBindingResult = strawberry.mutation(
        resolver=login.complete_binding,
        description="Bind the partner account of a BindingRequired ticket to the account its password proves, and "
        "log in; later logins with that partner account go straight in.",
    )
    send_binding_code: login.SendBindingCodeResult = strawberry.mutation(
        resolver=login.send_binding_code,
        description="Send an SMS code to the login phone of the person account a BindingRequired ticket should be "
        "bound to (the ticket stays usable); the answer never tells whether the phone has an account.",
    )
    complete_binding_by_sms: login.CompleteBindingBySmsResult = strawberry.mutation(
        resolver=login.complete_binding_by_sms,
        description="Bind the partner account of a person's BindingRequired ticket to the account whose phone the "
        "SMS code proves, and log in; later logins with that partner account go straight in.",
    )


@strawberry.type
class LoginQuery:
    login_ticket: login.LoginTicketResult = strawberry.field(
        resolver=login.login_ticket,
        description="A scan login's ticket status, for pages without WebSockets (poll every 2 seconds or so).",
    )


@strawberry.type
class LoginSubscription:
    login_ticket: login.LoginTicketResult = strawberry.subscription(
        resolver=login.login_ticket_events,
        description="A scan login's ticket: its status now, then each change (SCANNED, CONFIRMED ...) until it is "
        "REJECTED, EXPIRED or REDEEMED; a wrong id or secret gets one SCAN_TICKET_INVALID and the end.",
    )
