"""An authorization stands until it is revoked, expires, its client is disabled, its uidp session ends, its subject
goes, or (proxy sessions) its grant stops being in force: each read from the rows at every check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.oidc_support import make_oidc_client
from tests.services.oidc.logins import entity_login, person_login, proxy_login, stored_authorization
from uidp.domain.delegation import GrantState
from uidp.models.grant import Grant
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.standing import Fall, why_fallen
from uidp.services.shared.erasure import erase_person

pytestmark = pytest.mark.anyio


async def reread(authorization: OidcAuthorization) -> OidcAuthorization:
    return await OidcAuthorization.get(id=authorization.id)


@pytest.mark.parametrize("log_in", [person_login, entity_login, proxy_login], ids=["person", "entity", "proxy"])
async def test_a_fresh_authorization_stands(rt, log_in):
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, await log_in(rt))
    assert await why_fallen(rt, authorization) is None
    assert await why_fallen(rt, authorization, client.row) is None


async def test_revoked_or_expired_authorizations_fall(rt, clock):
    client = await make_oidc_client(rt)
    login = await person_login(rt)
    revoked = await stored_authorization(rt, client.row, login, revoked_at=clock.now(), revoked_reason="logout")
    assert await why_fallen(rt, revoked) == Fall.REVOKED
    short = await stored_authorization(rt, client.row, login, expires_at=clock.now() + timedelta(minutes=5))
    clock.advance(300)
    assert await why_fallen(rt, short) == Fall.EXPIRED


async def test_a_disabled_client_ends_its_authorizations(rt, clock):
    client = await make_oidc_client(rt)
    authorization = await stored_authorization(rt, client.row, await person_login(rt))
    await OidcClient.filter(id=client.row.id).update(disabled_at=clock.now())
    assert await why_fallen(rt, authorization) == Fall.CLIENT_DISABLED
    fetched = await OidcClient.get(id=client.row.id)
    assert await why_fallen(rt, authorization, fetched) == Fall.CLIENT_DISABLED


async def test_the_end_of_the_uidp_session_ends_the_authorization(rt, clock):
    client = await make_oidc_client(rt)
    login = await person_login(rt)
    authorization = await stored_authorization(rt, client.row, login, expires_at=clock.now() + timedelta(days=2))
    await Sessions(rt).revoke(login.session, "logout")
    assert await why_fallen(rt, authorization) == Fall.SESSION_ENDED
    other = await person_login(rt, phone="15012340059", seq="122")
    lasting = await stored_authorization(rt, client.row, other, expires_at=clock.now() + timedelta(days=2))
    clock.advance(3600)  # idle in uidp for an hour: the connected system's authorization still stands
    assert await why_fallen(rt, lasting) is None
    clock.advance(12 * 3600)  # past the session's absolute end
    assert await why_fallen(rt, lasting) == Fall.SESSION_ENDED


async def test_a_cancelled_person_ends_the_authorization(rt):
    client = await make_oidc_client(rt)
    login = await person_login(rt)
    authorization = await stored_authorization(rt, client.row, login, session_id=None)
    await erase_person(login.person.id)
    assert await why_fallen(rt, authorization) == Fall.SUBJECT_GONE


async def test_a_proxy_authorization_falls_when_its_grant_is_cancelled(rt):
    client = await make_oidc_client(rt)
    login = await proxy_login(rt)
    authorization = await stored_authorization(rt, client.row, login)
    await Grant.filter(id=login.delegation.grant.id).update(state=GrantState.CANCELLED)
    assert await why_fallen(rt, await reread(authorization)) == Fall.GRANT_ENDED


async def test_a_proxy_authorization_falls_when_its_grant_runs_out(rt, clock):
    client = await make_oidc_client(rt)
    login = await proxy_login(rt, ends_at=clock.now() + timedelta(hours=1))
    authorization = await stored_authorization(rt, client.row, login)
    assert await why_fallen(rt, authorization) is None
    clock.advance(2 * 3600)  # the grant ended by time; the sweeper has not run, the session is still live
    assert await why_fallen(rt, authorization) == Fall.GRANT_ENDED


async def test_a_proxy_authorization_falls_when_its_agent_is_cancelled(rt):
    client = await make_oidc_client(rt)
    login = await proxy_login(rt)
    authorization = await stored_authorization(rt, client.row, login, session_id=None)
    await erase_person(login.delegation.agent.id)
    assert await why_fallen(rt, authorization) == Fall.SUBJECT_GONE
