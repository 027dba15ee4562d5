"""Root fields of CA certificate binding (E5) and login (E4)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.ca import resolvers as ca


@strawberry.type
class CaMutation:
    start_certificate_login: ca.StartCertificateLoginResult = strawberry.mutation(
        resolver=ca.start_certificate_login, description="E4: a login challenge for the USB key to sign."
    )
    login_with_certificate: ca.LoginWithCertificateResult = strawberry.mutation(
        resolver=ca.login_with_certificate,
        description="E4: log in with a bound certificate and its signature over the challenge.",
    )
    send_bind_certificate_code: ca.SendBindCertificateCodeResult = strawberry.mutation(
        resolver=ca.send_bind_certificate_code,
        description="E5: an SMS code for binding, to the entity's contact phone or the person's phone.",
    )
    start_certificate_binding: ca.StartCertificateBindingResult = strawberry.mutation(
        resolver=ca.start_certificate_binding, description="E5: a binding challenge for the USB key to sign."
    )
    bind_certificate: ca.BindCertificateResult = strawberry.mutation(
        resolver=ca.bind_certificate, description="E5: bind a CA certificate; raises the account to level 3 (高级)."
    )
