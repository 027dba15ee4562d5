"""Root fields of proxy login (E3) and the authorisation check."""

from __future__ import annotations

import strawberry

from graph.schema.areas.proxy import resolvers as proxy


@strawberry.type
class ProxyQuery:
    check_authorisation: proxy.CheckAuthorisationResult = strawberry.field(
        resolver=proxy.check_authorisation,
        description="For connected systems: may the current session (or, for staff, the named person) act for the "
        "entity on the service item now, with the chain of grants behind the answer.",
    )


@strawberry.type
class ProxyMutation:
    login_as_agent: proxy.LoginAsAgentResult = strawberry.mutation(
        resolver=proxy.login_as_agent,
        description="E3 代理登录: a session of the entity in which the agent acts within one active grant's scope and "
        "period (checked at every use); `me` then names the agent in `EntityAccount.actingPerson`.",
    )
