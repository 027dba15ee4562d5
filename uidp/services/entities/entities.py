"""Legal persons as the rest of the core sees them: finding one by credit code, and the masked view (E1, E2).

Other flows (E4-E10) build on these: ``EntityLookup`` finds rows by what people type, ``EntityViews`` shows
an entity to its own session with every identifying value masked.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cached_property

from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError
from uidp.domain.levels import AssuranceLevel
from uidp.domain.masking import mask_credit_code, mask_name, mask_phone
from uidp.models.entity import Entity, EntityType
from uidp.runtime import Runtime
from uidp.services.shared.pii import Pii
from uidp.services.shared.row_views import RowViews

ENTITY_TYPE_LABELS: dict[EntityType, str] = {
    EntityType.ENTERPRISE: "企业法人",
    EntityType.INDIVIDUAL_BUSINESS: "个体工商户",
    EntityType.PUBLIC_INSTITUTION: "事业单位",
    EntityType.SOCIAL_ORGANISATION: "社会组织",
    EntityType.GOVERNMENT_ORGAN: "机关",
    EntityType.OTHER: "其他",
}

# Columns the sealed values are bound to (Pii.seal's context).
CREDIT_CODE = "entity.credit_code"
NAME = "entity.name"
CONTACT_NAME = "entity.contact_name"
CONTACT_CERTIFICATE_NUMBER = "entity.contact_certificate_number"
CONTACT_PHONE = "entity.contact_phone"
CREDIT_CODE_KIND = "credit_code"  # the blind index's domain


def credit_code_index(pii: Pii, code: str) -> str:
    """The blind index of a normalised credit code: what lookups and the unique column use."""
    return pii.digest(CREDIT_CODE_KIND, code)


def mask_entity_name(name: str) -> str:
    """First 2 and last 2 characters, one '*' for each other: 湖北楚天测试科技有限公司 -> 湖北********公司.

    Names of 4 characters or fewer keep only their first character (测试店 -> 测**).
    """
    name = "".join((name or "").split())
    if not name:
        return ""
    if len(name) <= 4:
        return name[0] + "*" * (len(name) - 1)
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


class EntityLookup:
    def __init__(self, rt: Runtime) -> None:
        self.pii = Pii(rt)

    def credit_code_index(self, code: str) -> str:
        """The blind index of a normalised credit code (the unique column Entity.credit_code_index)."""
        return credit_code_index(self.pii, code)

    async def by_credit_code(self, code: str) -> Entity | None:
        """The entity of a normalised credit code, or None."""
        return await Entity.get_or_none(**self.pii.lookup(CREDIT_CODE_KIND, code).on("credit_code_index"))

    async def by_typed_credit_code(self, raw: str) -> Entity | None:
        """What a login form's credit code names; a malformed code names nobody (no error, as for logins)."""
        try:
            code = normalize_credit_code(raw)
        except DomainError:
            return None
        return await self.by_credit_code(code)

    async def by_id(self, entity_id: object) -> Entity | None:
        return await Entity.get_or_none(id=entity_id)


class EntityView:
    """An entity as shown to its own session. Masked values are decrypted only when asked for."""

    def __init__(self, entity: Entity, pii: Pii) -> None:
        self._entity = entity
        self._pii = pii
        self.id: uuid.UUID = entity.id
        self.status: str = str(entity.status)
        self.entity_type = EntityType(entity.entity_type)
        self.level = AssuranceLevel(entity.level)
        self.created_at: datetime = entity.created_at

    @property
    def entity_type_label(self) -> str:
        return ENTITY_TYPE_LABELS[self.entity_type]

    @cached_property
    def masked_name(self) -> str:
        return mask_entity_name(self._pii.open(NAME, self._entity.id, self._entity.name_enc))

    @cached_property
    def masked_credit_code(self) -> str:
        return mask_credit_code(self._pii.open(CREDIT_CODE, self._entity.id, self._entity.credit_code_enc))

    @cached_property
    def masked_contact_name(self) -> str:
        return mask_name(self._pii.open(CONTACT_NAME, self._entity.id, self._entity.contact_name_enc))

    @cached_property
    def masked_contact_phone(self) -> str:
        return mask_phone(self._pii.open(CONTACT_PHONE, self._entity.id, self._entity.contact_phone_enc))


class EntityViews(RowViews[Entity, EntityView]):
    model, make = Entity, EntityView
