"""Claims about an authorization's subject (C2): pairwise sub, acr / amr / auth_time, scope claims under scope,
client allowance and consent, entity claims, and a proxy session's act and delegation."""

from __future__ import annotations

import pytest

from tests.oidc_support import make_oidc_client
from tests.services.oidc.logins import (
    PERSON_NAME,
    PERSON_PHONE,
    PERSON_SEQ,
    entity_login,
    person_login,
    proxy_login,
    stored_authorization,
)
from tests.support import resident_id
from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import OAuthError
from uidp.services.oidc.claims import claims_for, pairwise_sub
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.shared.erasure import erase_person

pytestmark = pytest.mark.anyio


async def test_pairwise_sub_is_stable_per_sector_and_unlinkable_across_sectors(rt):
    login = await person_login(rt)
    one = await make_oidc_client(rt, sector_id="sector-a")
    same_sector = await make_oidc_client(rt, sector_id="sector-a")
    other = await make_oidc_client(rt, sector_id="sector-b")
    person_id = login.person.id
    sub = pairwise_sub(rt, one.row, SubjectKind.PERSON, person_id)
    assert sub == pairwise_sub(rt, one.row, SubjectKind.PERSON, str(person_id))
    assert sub == pairwise_sub(rt, same_sector.row, SubjectKind.PERSON, person_id)
    assert sub != pairwise_sub(rt, other.row, SubjectKind.PERSON, person_id)
    assert sub != pairwise_sub(rt, one.row, SubjectKind.ENTITY, person_id)  # the kind is part of the subject
    assert len(sub) == 43 and str(person_id) not in sub and person_id.hex not in sub


async def test_the_id_token_says_who_logged_in_and_how_but_carries_no_pii(rt):
    login = await person_login(rt)
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, login)
    claims = await claims_for(rt, authorization, client.row, purpose="id_token")
    assert claims == {
        "sub": pairwise_sub(rt, client.row, SubjectKind.PERSON, login.person.id),
        "acr": "urn:uidp:level:1",
        "amr": ["password", "pwd"],
        "auth_time": int(login.session.created_at.timestamp()),
    }


async def test_userinfo_releases_each_scope_claim_of_a_person(rt):
    login = await person_login(rt)
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, login)
    claims = await claims_for(rt, authorization, client.row, purpose="userinfo")
    assert claims == {
        "sub": pairwise_sub(rt, client.row, SubjectKind.PERSON, login.person.id),
        "name": PERSON_NAME,
        "id_type": "RESIDENT_ID",
        "id_number": resident_id(seq=PERSON_SEQ),
        "phone_number": f"+86{PERSON_PHONE}",
        "phone_number_verified": True,
        "level": 1,
    }


async def test_a_claim_needs_its_scope_or_its_name_asked_for_and_the_clients_allowance(rt):
    login = await person_login(rt)
    client = await make_oidc_client(rt)
    by_scope = await stored_authorization(rt, client.row, login, scopes=["openid", "profile"])
    assert set(await claims_for(rt, by_scope, client.row, purpose="userinfo")) == {"sub", "name"}
    narrow = await make_oidc_client(rt, claims=["name", "level"])
    everything = await stored_authorization(rt, narrow.row, login)
    assert set(await claims_for(rt, everything, narrow.row, purpose="userinfo")) == {"sub", "name", "level"}
    # A claim asked for by name (the claims parameter, consented on the page) comes without its scope ...
    asked = await stored_authorization(rt, client.row, login, scopes=["openid"], claims=["phone_number"])
    assert set(await claims_for(rt, asked, client.row, purpose="userinfo")) == {
        "sub",
        "phone_number",
        "phone_number_verified",  # always with the number it qualifies
    }
    # ... but never one the client is not allowed.
    refused = await stored_authorization(rt, narrow.row, login, scopes=["openid"], claims=["id_number"])
    assert set(await claims_for(rt, refused, narrow.row, purpose="userinfo")) == {"sub"}
    # An access token narrowed by a refresh reads only its own scopes.
    narrowed = await claims_for(rt, everything, narrow.row, purpose="userinfo", scopes=["openid", "profile"])
    assert set(narrowed) == {"sub", "name"}
    nothing = await stored_authorization(rt, client.row, login, scopes=["openid"])
    assert await claims_for(rt, nothing, client.row, purpose="userinfo") == {
        "sub": pairwise_sub(rt, client.row, SubjectKind.PERSON, login.person.id)
    }


async def test_an_entity_session_carries_the_entity_name_and_credit_code(rt):
    from plugins.sandbox import registry as sandbox
    from tests.services.entities.test_entity_changes import ENTITY_NAME

    login = await entity_login(rt)
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, login)
    claims = await claims_for(rt, authorization, client.row, purpose="userinfo")
    assert claims == {
        "sub": pairwise_sub(rt, client.row, SubjectKind.ENTITY, login.entity.id),
        "entity_name": ENTITY_NAME,
        "credit_code": sandbox.ACTIVE_ENTERPRISE,
        "level": 2,
    }
    id_token = await claims_for(rt, authorization, client.row, purpose="id_token")
    assert id_token["acr"] == "urn:uidp:level:2" and id_token["amr"] == ["password", "pwd"]
    assert "act" not in id_token


async def test_a_proxy_session_names_the_agent_in_act_and_carries_the_grant(rt):
    login = await proxy_login(rt)
    grant = login.delegation.grant
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, login)
    entity_sub = pairwise_sub(rt, client.row, SubjectKind.ENTITY, login.entity.id)
    agent_sub = pairwise_sub(rt, client.row, SubjectKind.PERSON, login.delegation.agent.id)
    delegation = {
        "entity": entity_sub,
        "service_items": ["social", "tax"],
        "valid_from": int(grant.starts_at.timestamp()),
        "valid_until": int(grant.ends_at.timestamp()),
    }
    id_token = await claims_for(rt, authorization, client.row, purpose="id_token")
    assert id_token["sub"] == entity_sub and id_token["act"] == {"sub": agent_sub} and entity_sub != agent_sub
    assert id_token["amr"] == ["agent", "pwd"]
    userinfo = await claims_for(rt, authorization, client.row, purpose="userinfo")
    assert userinfo["act"] == {"sub": agent_sub} and userinfo["delegation"] == delegation
    assert "name" not in userinfo and "id_number" not in userinfo  # the agent's own PII is not the entity's
    # Without the delegation scope userinfo leaves the grant out; the access token always carries it.
    narrow = await stored_authorization(rt, client.row, login, scopes=["openid", "entity"])
    assert "delegation" not in await claims_for(rt, narrow, client.row, purpose="userinfo")
    access = await claims_for(rt, narrow, client.row, purpose="access_token")
    assert access["delegation"] == delegation and access["act"] == {"sub": agent_sub}


async def test_a_grant_below_another_carries_the_period_the_whole_chain_is_in_force(rt):
    from datetime import timedelta

    from tests.services.delegation.test_chains import store_grant

    login = await proxy_login(rt)
    world = login.delegation
    client = await make_oidc_client(rt)
    now = rt.clock.now()
    sub_agent = await _second_agent(rt)
    below = await store_grant(
        rt, world.entity.id, world.grant, sub_agent.id, scope=["tax"], ends_at=now + timedelta(days=3)
    )
    authorization = await stored_authorization(rt, client.row, login, grant_id=below.id, actor_id=sub_agent.id)
    delegation = (await claims_for(rt, authorization, client.row, purpose="userinfo"))["delegation"]
    assert delegation["service_items"] == ["tax"]
    assert delegation["valid_until"] == int((now + timedelta(days=3)).timestamp())


async def test_a_cancelled_persons_claims_are_not_answered(rt):
    login = await person_login(rt)
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, login)
    await erase_person(login.person.id)
    with pytest.raises(OAuthProblem) as caught:
        await claims_for(rt, authorization, client.row, purpose="userinfo")
    assert caught.value.error == OAuthError.INVALID_TOKEN and "陈" not in str(caught.value)


async def _second_agent(rt):
    from tests.graph.proxy_support import person

    return await person(rt, "13700002222", "172", "钱二代")


async def test_sid_names_the_authorization_not_the_uidp_session(rt):
    from uidp.services.oidc.claims import sid_of

    login = await person_login(rt)
    one, two = await make_oidc_client(rt), await make_oidc_client(rt)
    first = await stored_authorization(rt, one.row, login)
    second = await stored_authorization(rt, two.row, login)
    assert sid_of(first) == str(first.id) != sid_of(second) and str(login.session.id) not in (
        sid_of(first),
        sid_of(second),
    )
