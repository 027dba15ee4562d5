"""An entity, an agent (a real-name person at level 2) holding a grant of it, and their sessions (proxy tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.services.delegation.test_chains import store_grant
from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, make_entity
from tests.support import PASSWORD, register_person
from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.models.entity import Entity
from uidp.models.grant import Grant
from uidp.models.person import Person
from uidp.services.auth.sessions import SessionActor, Sessions
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("192.0.2.1")
AGENT_PHONE = "13700001111"
AGENT_SEQ = "171"
LOGIN_AS_AGENT = """mutation($i: LoginAsAgentInput!) { loginAsAgent(input: $i) { __typename
  ... on LoginSuccess { token viewer { __typename ... on EntityAccount { id actingPerson { role maskedName
    grantId } } } }
  ... on LoginFailed { code message field captchaRequired }
  ... on FieldError { code message field } } }"""


@dataclass
class Delegation:
    rt: Any
    entity: Entity
    agent: Person
    grant: Grant  # entity -> agent, level 1, scope social + tax, 30 days from now
    credit_code: str
    entity_password: str = ENTITY_PASSWORD
    agent_password: str = PASSWORD

    @classmethod
    async def build(cls, rt: Any, **grant: Any) -> Delegation:
        from plugins.sandbox import registry as sandbox

        entity = await make_entity(rt)
        agent = await person(rt, AGENT_PHONE, AGENT_SEQ, "赵代理")
        held = await store_grant(rt, entity.id, None, agent.id, **grant)
        return cls(rt, entity, agent, held, sandbox.ACTIVE_ENTERPRISE)

    async def entity_token(self) -> str:
        issued = await Sessions(self.rt).issue(SubjectKind.ENTITY, self.entity.id, "password", CLIENT)
        return issued.token

    async def agent_token(self, grant: Grant | None = None) -> str:
        """A proxy session on ``grant`` (default: the agent's level-1 grant), issued without the login form."""
        held = grant or self.grant
        actor = SessionActor(held.grantee_id, ActorRole.AGENT, held.id)
        issued = await Sessions(self.rt).issue(SubjectKind.ENTITY, self.entity.id, "agent", CLIENT, actor=actor)
        return issued.token

    async def login(self, api: Any, *, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
        """``loginAsAgent`` through HTTP with the agent's phone and password (``overrides`` change the form)."""
        form = {"creditCode": self.credit_code, "identifier": AGENT_PHONE, "password": self.agent_password}
        form.update(overrides)
        return (await api.data(LOGIN_AS_AGENT, {"i": form}, headers=headers))["loginAsAgent"]


async def person(rt: Any, phone: str, seq: str, name: str, *, level: int = 2) -> Person:
    """A registered, active person with the test password, at ``level``."""
    registered = await register_person(rt, CLIENT, phone=phone, seq=seq, name=name)
    await Person.filter(id=registered.id).update(level=level)
    return await Person.get(id=registered.id)
