"""GET /oidc/authorize keeps a request for the browser only within the address's UIDP_LOGIN_STARTS_PER_HOUR:
past it the request goes back to the connected system as temporarily_unavailable and nothing is kept."""

from __future__ import annotations

import pytest

from tests.http.oidc.flow_support import authorize_url, landed, request_params
from tests.services.oidc.rp import Rp

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(make_settings):
    return make_settings(login_starts_per_hour=2)


async def test_requests_past_the_hourly_allowance_go_back_unavailable(client, rt):
    rp = await Rp.basic(rt)
    for _ in range(2):
        kept = await client.get(authorize_url(rp, **request_params()))
        assert kept.status_code == 302 and kept.headers["location"].startswith("/login?")
    values = landed(await client.get(authorize_url(rp, **request_params())))
    assert values["error"] == "temporarily_unavailable" and values["state"] == "st-http" and "code" not in values
    assert values["iss"] == rt.settings.oidc_issuer
