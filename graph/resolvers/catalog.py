"""Read-only facts a front end needs before the user types: login methods and registration rules."""

from __future__ import annotations

from strawberry.types import Info

from graph.resolvers.common import ctx
from graph.schema.types import CertificateTypeInfo, LoginMethodInfo, RegistrationRules
from uidp.domain.certificates import CertificateType
from uidp.ports import StartableLoginMethod, trust_of
from uidp.services.persons.registration import POLICY
from uidp.services.shared.uploads import ALLOWED_TYPES


def login_methods(info: Info) -> list[LoginMethodInfo]:
    methods = ctx(info).rt.plugins.login_methods()
    return [
        LoginMethodInfo(
            id=m.id,
            label=m.label,
            sandbox=m.sandbox,
            starts=isinstance(m, StartableLoginMethod),
            trust=sorted(trust_of(m)),
        )
        for m in methods
    ]


def registration_rules(info: Info) -> RegistrationRules:
    settings = ctx(info).rt.settings
    opens, closes = settings.window
    return RegistrationRules(
        password_rule=POLICY.describe(),
        window_opens=opens.strftime("%H:%M"),
        window_closes=closes.strftime("%H:%M"),
        home_province=settings.home_province,
        upload_max_bytes=settings.upload_max_bytes,
        upload_types=sorted(ALLOWED_TYPES),
        certificate_types=[
            CertificateTypeInfo(type=t, label=t.label, route=t.registration_route.value) for t in CertificateType
        ],
    )
