"""The schema's enums, each the GraphQL face of a domain enum; a leaf module every type module may import."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from uidp.domain.accounts import ActorRole as DomainActorRole
from uidp.domain.bank_cards import BankCheckStatus as DomainBankCheckStatus
from uidp.domain.bank_cards import MismatchReason as DomainMismatchReason
from uidp.domain.certificates import CertificateType as DomainCertificateType
from uidp.domain.certificates import Gender as DomainGender
from uidp.domain.certificates import ValidityPeriod as DomainValidityPeriod
from uidp.domain.levels import AssuranceLevel as DomainAssuranceLevel
from uidp.models.entity import EntityType as DomainEntityType
from uidp.models.person import PersonStatus as DomainPersonStatus
from uidp.models.upload import DocumentKind as DomainDocumentKind
from uidp.ports import ScanStatus as DomainScanStatus
from uidp.services.shared.sms import SmsPurpose as DomainSmsPurpose

CertificateType = strawberry.enum(
    DomainCertificateType,
    name="CertificateType",
    description="The kinds of certificate (证件) a person can register with.",
)
Gender = strawberry.enum(DomainGender, name="Gender", description="Gender as on the certificate.")
ValidityPeriod = strawberry.enum(
    DomainValidityPeriod, name="ValidityPeriod", description="How long a resident ID is valid (有效期限)."
)
PersonStatus = strawberry.enum(
    DomainPersonStatus, name="PersonStatus", description="Where a person account stands (active, pending review, ...)."
)
DocumentKind = strawberry.enum(DomainDocumentKind, name="DocumentKind", description="Which document an upload is.")
SmsPurpose = strawberry.enum(
    DomainSmsPurpose, name="SmsPurpose", description="What an SMS code is for; a code only works for its own purpose."
)
EntityType = strawberry.enum(DomainEntityType, name="EntityType", description="法人类型 (manual §2.1).")
AssuranceLevel = strawberry.enum(
    DomainAssuranceLevel, name="AssuranceLevel", description="1 初级, 2 中级, 3 高级 (P7)."
)


@strawberry.enum(
    name="PhoneCodePurpose",
    description="What a code to a phone the caller types is for (sendSmsCode). ACTIVATE codes go to the phone on "
    "record (sendActivationCode); recovery, phone change, cancellation and CA binding codes have their own steps.",
)
class PhoneCodePurpose(StrEnum):
    REGISTER = "REGISTER"
    ACTIVATE_NEW_PHONE = "ACTIVATE_NEW_PHONE"
    CHANGE_PHONE_NEW = "CHANGE_PHONE_NEW"
    APPEAL = "APPEAL"
    ENTITY_REGISTER = "ENTITY_REGISTER"
    ENTITY_CONTACT_PHONE = "ENTITY_CONTACT_PHONE"
    ENTITY_APPEAL = "ENTITY_APPEAL"


BankCheckStatus = strawberry.enum(
    DomainBankCheckStatus, name="BankCheckStatus", description="PENDING 认证中, MATCHED 已认证, FAILED 认证失败."
)
BankCheckReason = strawberry.enum(
    DomainMismatchReason, name="BankCheckReason", description="Why a bank-card check failed."
)
ActorRole = strawberry.enum(
    DomainActorRole,
    name="ActorRole",
    description="Who acts in an entity's session besides the entity itself: a proxy agent under a grant (E3), or "
    "the legal representative or a manager who scanned the electronic business licence (E6).",
)
LoginTicketStatus = strawberry.enum(
    DomainScanStatus,
    name="LoginTicketStatus",
    description="Where a scan login's ticket is: PENDING (show the QR code), SCANNED (the app read it), CONFIRMED "
    "(redeem it now with redeemLoginTicket), REJECTED (declined in the app), EXPIRED (start again), REDEEMED "
    "(used for a session).",
)
