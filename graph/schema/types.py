"""Output types: accounts (masked), captchas, codes, sessions, plugin listings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from graph.schema.acting import ActingPerson, acting_person
from graph.schema.enums import AssuranceLevel as AssuranceLevel
from graph.schema.enums import CertificateType as CertificateType
from graph.schema.enums import DocumentKind as DocumentKind
from graph.schema.enums import EntityType as EntityType
from graph.schema.enums import Gender as Gender
from graph.schema.enums import PersonStatus as PersonStatus
from graph.schema.enums import SmsPurpose as SmsPurpose
from graph.schema.enums import ValidityPeriod as ValidityPeriod
from graph.schema.grant_types import (
    GrantApplicationConnection,
    GrantConnection,
    entity_applications,
    entity_grants_given,
    person_applications,
    person_grants,
)
from graph.schema.notice_types import AccountNotice, own_notices
from graph.schema.own_account import (
    LoginBinding,
    MySession,
    MyVerification,
    own_bindings,
    own_recovery_window,
    own_sessions,
    own_verification,
)
from graph.schema.pagination import After, Before, First, Last
from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import Gender as DomainGender
from uidp.models.person import PersonStatus as DomainPersonStatus
from uidp.services.entities.entities import EntityView
from uidp.services.persons.persons import PersonView
from uidp.services.shared.pagination import Window
from uidp.services.shared.principal import Principal


@strawberry.type(description="A natural person's own account; every piece of PII is masked (X4).")
class PersonAccount:
    view: strawberry.Private[PersonView]

    @classmethod
    def of(cls, view: PersonView) -> PersonAccount:
        return cls(view=view)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def status(self) -> PersonStatus:
        return DomainPersonStatus(self.view.status)

    @strawberry.field
    def level(self) -> AssuranceLevel:
        return self.view.level

    @strawberry.field(description="初级 / 中级 / 高级")
    def level_label(self) -> str:
        return self.view.level.label

    @strawberry.field
    def certificate_type(self) -> CertificateType:
        return self.view.certificate_type

    @strawberry.field(description="陈* — first character, one * for each other.")
    def masked_name(self) -> str:
        return self.view.masked_name

    @strawberry.field(description="***********1211 — eleven * and the last four.")
    def masked_certificate_number(self) -> str:
        return self.view.masked_certificate_number

    @strawberry.field(description="150****0058")
    def masked_phone(self) -> str:
        return self.view.masked_phone

    @strawberry.field
    def gender(self) -> Gender | None:
        return DomainGender(self.view.gender) if self.view.gender else None

    @strawberry.field
    def certificate_valid_until(self) -> date | None:
        return self.view.certificate_valid_until

    @strawberry.field
    def created_at(self) -> datetime:
        return self.view.created_at

    @strawberry.field(description="Pending notices (only for the account's own session; empty otherwise).")
    async def notices(self, info: strawberry.Info) -> list[AccountNotice]:
        return await own_notices(info, SubjectKind.PERSON, self.view.id)

    @strawberry.field(
        description="Until when this session may change phone and password without the old phone's code or the"
        " current password: 10 minutes after an electronic social security card (esscard) login (FAQ 3.1);"
        " null otherwise and for anyone else."
    )
    async def recovery_window_ends_at(self, info: strawberry.Info) -> datetime | None:
        return await own_recovery_window(info, SubjectKind.PERSON, self.view.id)

    @strawberry.field(description="My live sessions, newest first (at most 50); empty for anyone else (P11).")
    async def sessions(self, info: strawberry.Info) -> list[MySession]:
        return await own_sessions(info, self.view.id)

    @strawberry.field(description="Third-party logins bound to my account; empty for anyone else (P11).")
    async def bindings(self, info: strawberry.Info) -> list[LoginBinding]:
        return await own_bindings(info, self.view.id)

    @strawberry.field(
        description="My level and latest bank-card check, a pending check polled first; null for anyone else (P7)."
    )
    async def verification(self, info: strawberry.Info) -> MyVerification | None:
        return await own_verification(info, self.view.id)

    @strawberry.field(description="Grants I hold, of every entity, newest first; empty for anyone else (E9).")
    async def grants_held(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> GrantConnection:
        return await person_grants(info, self.view.id, Window(first, after, last, before), held=True)

    @strawberry.field(description="Grants I gave onward (levels 2 and 3), newest first; empty for anyone else.")
    async def grants_given(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> GrantConnection:
        return await person_grants(info, self.view.id, Window(first, after, last, before), held=False)

    @strawberry.field(description="My applications for grants (applications out), newest first; empty for others.")
    async def grant_applications(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> GrantApplicationConnection:
        return await person_applications(info, self.view.id, Window(first, after, last, before))


@strawberry.type(description="A staff member's own account.")
class StaffMember:
    id: strawberry.ID
    username: str
    display_name: str
    roles: list[str]


@strawberry.type(description="A legal person's own account (E2); names, code and contact are masked (X4).")
class EntityAccount:
    view: strawberry.Private[EntityView]
    acting: strawberry.Private[Principal | None] = None  # the session's principal, for its own view only

    @classmethod
    def of(cls, view: EntityView, acting: Principal | None = None) -> EntityAccount:
        return cls(view=view, acting=acting)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def entity_type(self) -> EntityType:
        return self.view.entity_type

    @strawberry.field(description="企业法人 / 个体工商户 / 事业单位 / 社会组织 / 机关 / 其他")
    def entity_type_label(self) -> str:
        return self.view.entity_type_label

    @strawberry.field(description="湖北********公司 — first two and last two characters.")
    def masked_name(self) -> str:
        return self.view.masked_name

    @strawberry.field(description="91************011W — first two and last four characters.")
    def masked_credit_code(self) -> str:
        return self.view.masked_credit_code

    @strawberry.field(
        description="Until when this session may start a contact change without the login password: 10 minutes"
        " after an electronic business licence (elicense) login (FAQ 3.2); null otherwise and for anyone else."
    )
    async def recovery_window_ends_at(self, info: strawberry.Info) -> datetime | None:
        return await own_recovery_window(info, SubjectKind.ENTITY, self.view.id)

    @strawberry.field
    def level(self) -> AssuranceLevel:
        return self.view.level

    @strawberry.field(description="中级 / 高级")
    def level_label(self) -> str:
        return self.view.level.label

    @strawberry.field(description="陈* — the contact's name.")
    def masked_contact_name(self) -> str:
        return self.view.masked_contact_name

    @strawberry.field(description="150****0058 — the contact phone.")
    def masked_contact_phone(self) -> str:
        return self.view.masked_contact_phone

    @strawberry.field
    def created_at(self) -> datetime:
        return self.view.created_at

    @strawberry.field(
        description="The person acting for the entity in this session (a proxy agent, E3, or a licence scanner); "
        "null when the entity acts itself, and for anyone but this session's own `me` or login answer."
    )
    async def acting_person(self, info: strawberry.Info) -> ActingPerson | None:
        return await acting_person(info, self.view.id, self.acting)

    @strawberry.field(
        description="The grants the entity gave (level 1; sub-grants below each), newest first; only for the "
        "entity's own session (not a proxy session), empty otherwise (E9)."
    )
    async def grants_given(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> GrantConnection:
        return await entity_grants_given(info, self.view.id, Window(first, after, last, before))

    @strawberry.field(description="Applications to the entity (applications in), newest first; own session only.")
    async def grant_applications(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> GrantApplicationConnection:
        return await entity_applications(info, self.view.id, Window(first, after, last, before))


Viewer = Annotated[
    PersonAccount | StaffMember | EntityAccount, strawberry.union("Viewer", description="Who is logged in.")
]


@strawberry.type(description="A code was sent (or would have been: the answer does not reveal accounts).")
class SmsCodeSent:
    masked_phone: str | None
    expires_at: datetime
    resend_after: datetime


@strawberry.type(description="Logged in. The token also arrives as an HttpOnly cookie for browsers.")
class LoginSuccess:
    token: str
    expires_at: datetime
    viewer: Viewer
    notices: list[AccountNotice] = strawberry.field(description="Pending notices: show, then acknowledgeNotice.")


# --- password recovery (P8), user space (P11), cancellation (P10) ---
