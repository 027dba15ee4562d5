"""Drives E9 delegation through /graphql: persons, an entity, the catalogue, sessions, proxy sessions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from tests.support import Api, resident_id
from uidp.domain.accounts import SubjectKind
from uidp.models.entity import Entity, EntityType
from uidp.models.grant import Grant as GrantRow
from uidp.models.person import Person, PersonSource, PersonStatus
from uidp.models.service_item import ServiceItem
from uidp.models.session import Session
from uidp.services.auth.sessions import Sessions
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("198.51.100.30")
GRANT = """id depth: level status scope: serviceItems startsAt endsAt mayGrantOnward mayManageCandidates endReason
  entity { kind maskedName } grantor { kind id maskedName } grantee { id maskedName }"""
ERROR = "... on Error { __typename code message field }"

FIND = f"""mutation($input: FindGrantCandidateInput!) {{ findGrantCandidate(input: $input) {{ __typename
  ... on GrantCandidateFound {{ maskedName maskedCertificateNumber level }} {ERROR} }} }}"""
ADD = f"""mutation($input: AddGrantCandidateInput!) {{ addGrantCandidate(input: $input) {{ __typename
  ... on GrantCandidateAdded {{ candidate {{ id maskedName maskedCertificateNumber level }} }} {ERROR} }} }}"""
REMOVE = f"""mutation($input: RemoveGrantCandidateInput!) {{ removeGrantCandidate(input: $input) {{ __typename
  ... on GrantCandidateRemoved {{ candidateId }} {ERROR} }} }}"""
CANDIDATES = f"""query($underGrant: ID, $name: String, $first: Int, $after: String) {{
  delegationCandidates(underGrant: $underGrant, name: $name, first: $first, after: $after) {{ __typename
    ... on GrantCandidateConnection {{ edges {{ cursor node {{ id maskedName level }} }}
      pageInfo {{ hasNextPage endCursor }} }} {ERROR} }} }}"""
CREATE = f"""mutation($input: CreateGrantInput!) {{ createGrant(input: $input) {{ __typename
  ... on GrantCreated {{ grant {{ {GRANT} }} }} {ERROR} }} }}"""
CHANGE = f"""mutation($input: ChangeGrantInput!) {{ changeGrant(input: $input) {{ __typename
  ... on GrantChanged {{ endedBelow grant {{ {GRANT} }} }} {ERROR} }} }}"""
REVOKE = f"""mutation($input: RevokeGrantInput!) {{ revokeGrant(input: $input) {{ __typename
  ... on GrantRevoked {{ endedBelow grant {{ {GRANT} }} }} {ERROR} }} }}"""
READ = f"""query($id: ID!, $underGrant: ID) {{ grant(id: $id, underGrant: $underGrant) {{ {GRANT}
  history {{ action actorKind details }} }} }}"""
APPLICATION = (
    "id status scope: serviceItems reason decisionReason grantId applicant { maskedName } entity { maskedName }"
)
APPLY = f"""mutation($input: ApplyForGrantInput!) {{ applyForGrant(input: $input) {{ __typename
  ... on GrantApplicationSubmitted {{ application {{ {APPLICATION} }} }} {ERROR} }} }}"""
APPROVE = f"""mutation($input: ApproveGrantApplicationInput!) {{ approveGrantApplication(input: $input) {{ __typename
  ... on GrantApplicationDecided {{ application {{ {APPLICATION} }} grant {{ {GRANT} }} }} {ERROR} }} }}"""
REJECT = f"""mutation($input: RejectGrantApplicationInput!) {{ rejectGrantApplication(input: $input) {{ __typename
  ... on GrantApplicationDecided {{ application {{ {APPLICATION} }} }} {ERROR} }} }}"""

ENTITY_NAME = "湖北楚天授权测试有限公司"
CREDIT_CODE = "91420100MA4KXXXX2K"


class Delegation:
    """One test's world: ``rt`` and the HTTP ``api``; makes accounts and their sessions directly."""

    def __init__(self, api: Api, rt: Any) -> None:
        self.api = api
        self.rt = rt
        self.pii = Pii(rt)
        self._seq = 200

    @property
    def now(self) -> datetime:
        return self.rt.clock.now()

    def later(self, days: float) -> str:
        return (self.now + timedelta(days=days)).isoformat()

    async def items(self, *codes: str, delegable: bool = True, active: bool = True) -> None:
        for code in codes:
            now = self.now
            await ServiceItem.create(
                id=uuid.uuid4(),
                code=code,
                name=f"事项{code}",
                delegable=delegable,
                active=active,
                created_at=now,
                updated_at=now,
            )

    async def person(self, name: str = "李四", *, level: int = 2, phone: str | None = None) -> tuple[Person, str]:
        """An ACTIVE person with a resident ID (found by its number), and a session token."""
        self._seq += 1
        number = resident_id(seq=str(self._seq))
        phone = phone or f"139{self._seq:08d}"
        person_id, now = uuid.uuid4(), self.now
        person = await Person.create(
            id=person_id,
            status=PersonStatus.ACTIVE,
            source=PersonSource.REGISTERED,
            certificate_type="RESIDENT_ID",
            certificate_index=self.pii.certificate_index("RESIDENT_ID", number),
            login_index=self.pii.login_index(number),
            certificate_number_enc=self.pii.seal("person.certificate_number", person_id, number),
            name_enc=self.pii.seal("person.name", person_id, name),
            phone_index=self.pii.phone_index(phone),
            phone_enc=self.pii.seal("person.phone", person_id, phone),
            level=level,
            created_at=now,
            updated_at=now,
        )
        person.number = number  # type: ignore[attr-defined]
        person.phone = phone  # type: ignore[attr-defined]
        return person, await self.session(SubjectKind.PERSON, person.id)

    async def entity(
        self, credit_code: str = CREDIT_CODE, *, representative: Person | None = None
    ) -> tuple[Entity, str]:
        pii, now, entity_id = self.pii, self.now, uuid.uuid4()
        entity = await Entity.create(
            id=entity_id,
            entity_type=EntityType.ENTERPRISE,
            credit_code_index=pii.digest("credit_code", credit_code),
            credit_code_enc=pii.seal("entity.credit_code", entity_id, credit_code),
            name_enc=pii.seal("entity.name", entity_id, ENTITY_NAME),
            representative_id=representative.id if representative else uuid.uuid4(),
            contact_name_enc=pii.seal("entity.contact_name", entity_id, "张三"),
            contact_certificate_number_enc=pii.seal("entity.contact_certificate_number", entity_id, resident_id()),
            contact_phone_enc=pii.seal("entity.contact_phone", entity_id, "13900000001"),
            contact_phone_index=pii.phone_index("13900000001"),
            level=2,
            created_at=now,
            updated_at=now,
        )
        return entity, await self.session(SubjectKind.ENTITY, entity.id)

    async def session(self, kind: str, subject_id: uuid.UUID) -> str:
        return (await Sessions(self.rt).issue(kind, subject_id, "password", CLIENT)).token

    async def proxy_session(self, entity: Entity, agent: Person, grant_id: str) -> tuple[str, uuid.UUID]:
        """An entity session resting on a grant, as proxy login (E3) opens it."""
        issued = await Sessions(self.rt).issue(SubjectKind.ENTITY, entity.id, "proxy", CLIENT)
        await Session.filter(id=issued.session.id).update(actor_id=agent.id, actor_role="agent", grant_id=grant_id)
        return issued.token, issued.session.id

    # ---- GraphQL ---------------------------------------------------------------------------------------------

    async def call(self, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
        data = await self.api.data(query, variables, token=token)
        return next(iter(data.values()))

    async def candidate(self, token: str, person: Person, under: str | None = None) -> str:
        added = await self.call(ADD, token, input={"certificateNumber": person.number, "underGrant": under})
        assert added["__typename"] == "GrantCandidateAdded", added
        return added["candidate"]["id"]

    async def grant(
        self, token: str, candidate: str, scope: list[str], *, days: float = 30, under: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return await self.call(
            CREATE,
            token,
            input={
                "grantee": candidate,
                "scope": scope,
                "period": {"endsAt": self.later(days)},
                "underGrant": under,
                **extra,
            },
        )

    @staticmethod
    async def parent_of(grant: dict[str, Any]) -> str | None:
        row = await GrantRow.get(id=grant["id"])
        return str(row.parent_id) if row.parent_id else None

    async def granted(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        made = await self.grant(*args, **kwargs)
        assert made["__typename"] == "GrantCreated", made
        return made["grant"]
