"""An entity, an agent (a real-name person at level 2) and the sessions of both, for the proxy tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, make_entity
from tests.support import PASSWORD, register_person
from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.services.auth.sessions import SessionActor, Sessions
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("192.0.2.1")
AGENT_PHONE = "13700001111"


@dataclass
class Delegation:
    rt: Any
    entity: Entity
    agent: Person
    entity_password: str = ENTITY_PASSWORD
    agent_password: str = PASSWORD

    @classmethod
    async def build(cls, rt: Any) -> Delegation:
        entity = await make_entity(rt)
        agent = await register_person(rt, CLIENT, phone=AGENT_PHONE, seq="171", name="赵代理")
        await Person.filter(id=agent.id).update(level=2)
        return cls(rt, entity, agent)

    async def entity_token(self) -> str:
        issued = await Sessions(self.rt).issue(SubjectKind.ENTITY, self.entity.id, "password", CLIENT)
        return issued.token

    async def agent_token(self) -> str:
        actor = SessionActor(self.agent.id, ActorRole.AGENT, None)
        issued = await Sessions(self.rt).issue(SubjectKind.ENTITY, self.entity.id, "agent", CLIENT, actor=actor)
        return issued.token
