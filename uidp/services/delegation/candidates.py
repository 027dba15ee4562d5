"""The candidate list (可授权人, manual §2.6.1): add by certificate number, search by name, delete.

Only the entity, or a person whose grant allows managing candidates, changes or reads the list. Looking a
certificate number up shows a masked name: each lookup (preview or add) is counted against the acting
account's hourly allowance before the person is looked up, so the list cannot be used to probe who has an
account. Names are sealed PII: the list is searched by the exact name through a keyed blind index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.certificates import fold_certificate_number
from uidp.domain.contact import normalize_name
from uidp.domain.delegation import MIN_GRANTEE_LEVEL, check_may_manage_candidates
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_id_number, mask_name
from uidp.models.candidate import DelegationCandidate
from uidp.models.person import Person, PersonStatus
from uidp.runtime import Runtime
from uidp.security.blind_index import Lookup
from uidp.services.delegation.acting import Acting, acting, parse_id
from uidp.services.shared.audit import Audit
from uidp.services.shared.pagination import Page, Window, keyset_page
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo, Principal
from uidp.services.shared.request_limits import limit_per_key

LOOKUPS_PER_HOUR = 60  # per acting account: certificate-number lookups (preview and add)
CERTIFICATE_MAX = 32
NOT_FOUND = "未找到该证件号码对应的实名用户，请确认对方已注册个人账号"


@dataclass(frozen=True)
class CandidateView:
    id: uuid.UUID
    person_id: uuid.UUID
    masked_name: str
    masked_certificate_number: str
    level: int
    added_at: datetime


NAME_KIND = "candidate-name"  # the blind index's domain


def name_index(pii: Pii, name: str) -> str:
    """The blind index a candidate's name is searched by (the exact name as normalised, case folded)."""
    return pii.digest(NAME_KIND, _normal(name).casefold())


def name_lookup(pii: Pii, name: str) -> Lookup:
    """What a search by ``name`` matches (both digests while the blind index rotates)."""
    return pii.lookup(NAME_KIND, _normal(name).casefold())


def _normal(name: str) -> str:
    """A stored or typed name in the form names are compared in; one the name rules refuse is kept as typed."""
    try:
        return normalize_name(name)
    except DomainError:
        return " ".join((name or "").split())


class Candidates:
    """§2.6.1. Every method takes the caller's principal and the grant they act under (None: the entity)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)
        self.audit = Audit(rt)

    async def manager(self, principal: Principal, under_grant: str | None) -> Acting:
        """The caller if they may manage the entity's candidates now (NO_ACTIVE_GRANT otherwise)."""
        who = await acting(principal, under_grant)
        check_may_manage_candidates(who.facts, self.rt.clock.now())
        return who

    async def preview(self, principal: Principal, under_grant: str | None, certificate_number: str) -> CandidateView:
        """The person a certificate number names, masked, for the "确定" step. Nothing is stored."""
        who = await self.manager(principal, under_grant)
        person = await self._lookup(who, certificate_number)
        return self._view(person, None)

    async def add(
        self, principal: Principal, under_grant: str | None, certificate_number: str, client: ClientInfo
    ) -> CandidateView:
        """Put a real-name person of level 2 or above on the list. ALREADY_EXISTS when they are on it."""
        who = await self.manager(principal, under_grant)
        person = await self._lookup(who, certificate_number)
        name = self.pii.open("person.name", person.id, person.name_enc)
        now = self.rt.clock.now()
        kind, actor_id = who.actor
        try:
            async with in_transaction():
                row = await DelegationCandidate.create(
                    id=uuid.uuid4(),
                    entity_id=who.entity.id,
                    person_id=person.id,
                    name_index=name_index(self.pii, name),
                    added_by_kind=kind,
                    added_by_id=actor_id,
                    created_at=now,
                )
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该人员已在可授权人列表中", "certificateNumber") from None
        await self._record("delegation.candidate_added", who, client, person, name)
        return self._view(person, row)

    async def remove(
        self, principal: Principal, under_grant: str | None, candidate_id: str, client: ClientInfo
    ) -> uuid.UUID:
        """Take a person off the list (their existing grants stay until cancelled). NOT_FOUND if not listed."""
        who = await self.manager(principal, under_grant)
        row_id = parse_id(candidate_id, "candidateId")
        row = await DelegationCandidate.get_or_none(id=row_id, entity_id=who.entity.id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "可授权人不存在", "candidateId")
        deleted = await DelegationCandidate.filter(id=row.id).delete()
        if deleted:
            person = await Person.get_or_none(id=row.person_id)
            name = self.pii.open("person.name", person.id, person.name_enc) if person else ""
            await self._record("delegation.candidate_removed", who, client, person, name)
        return row.id

    async def search(
        self, principal: Principal, under_grant: str | None, name: str | None, window: Window
    ) -> tuple[list[CandidateView], Page[DelegationCandidate]]:
        """The list, oldest first, or only the candidates of exactly this name (§2.6.1.2): views and their page."""
        who = await self.manager(principal, under_grant)
        query = DelegationCandidate.filter(entity_id=who.entity.id)
        if name is not None and name.strip():
            query = query.filter(**name_lookup(self.pii, normalize_name(name, "name")).on("name_index"))
        page = await keyset_page(query, window, at="created_at")
        persons = {p.id: p for p in await Person.filter(id__in=[row.person_id for row in page.rows])}
        return [self._view(persons[row.person_id], row) for row in page.rows if row.person_id in persons], page

    async def is_candidate(self, entity_id: uuid.UUID, person_id: uuid.UUID) -> bool:
        return await DelegationCandidate.filter(entity_id=entity_id, person_id=person_id).exists()

    # ---- helpers ------------------------------------------------------------------------------------------

    async def _lookup(self, who: Acting, certificate_number: str) -> Person:
        number = fold_certificate_number(certificate_number or "")
        if not number:
            raise DomainError(ErrorCode.REQUIRED, "请输入被授权人的证件号码", "certificateNumber")
        if (
            len(number) > CERTIFICATE_MAX
            or not number.isascii()
            or not number.replace("(", "").replace(")", "").isalnum()
        ):
            raise DomainError(ErrorCode.INVALID_FORMAT, "证件号码格式不正确", "certificateNumber")
        kind, actor_id = who.actor
        await limit_per_key(self.rt, "candidate-lookup", f"{kind}:{actor_id}", per_hour=LOOKUPS_PER_HOUR)
        person = await Person.get_or_none(**self.pii.login_lookup(number).on("login_index"))
        if person is None or person.status != PersonStatus.ACTIVE:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "certificateNumber")
        if person.level < MIN_GRANTEE_LEVEL:
            raise DomainError(
                ErrorCode.GRANTEE_LEVEL_TOO_LOW,
                "该用户尚未通过中级实名认证，不能添加为可授权人",
                "certificateNumber",
                masked_name=mask_name(self.pii.open("person.name", person.id, person.name_enc)),
            )
        return person

    def _view(self, person: Person, row: DelegationCandidate | None) -> CandidateView:
        return CandidateView(
            id=row.id if row else person.id,
            person_id=person.id,
            masked_name=mask_name(self.pii.open("person.name", person.id, person.name_enc)),
            masked_certificate_number=mask_id_number(
                self.pii.open("person.certificate_number", person.id, person.certificate_number_enc)
            ),
            level=person.level,
            added_at=row.created_at if row else self.rt.clock.now(),
        )

    async def _record(self, event: str, who: Acting, client: ClientInfo, person: Person | None, name: str) -> None:
        await self.audit.record(
            event,
            actor=who.principal,
            subject=("entity", who.entity.id),
            client=client,
            under_grant=str(who.grant_id) if who.grant_id else None,
            person=str(person.id) if person else None,
            masked_name=mask_name(name),
        )
