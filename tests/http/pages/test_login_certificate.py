"""CA certificate login (E4) on the hosted login page, through HTTP: the page shows a fresh challenge, the
signed form opens the bound account's session, and a wrong signature, another key or a replayed challenge open
nothing (the certificate login service's own refusals, next to the field)."""

from __future__ import annotations

import re

import pytest

from tests.graph.ca_api import bind, ca_settings, session_of
from tests.plugins.ca_factory import CaFactory, make_entity
from uidp.http.auth import SESSION_COOKIE

pytestmark = pytest.mark.anyio

SAME = {"sec-fetch-site": "same-origin"}
ME = "{ me { __typename ... on EntityAccount { id } } }"


@pytest.fixture
def ca() -> CaFactory:
    return CaFactory(kind="rsa")


@pytest.fixture
def settings(make_settings, tmp_path, ca):
    return ca_settings(make_settings, tmp_path, ca)


def value_of(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


async def test_a_bound_certificate_logs_in_on_the_page(api, rt, ca, client):
    entity = await make_entity(rt)
    sub = ca.intermediate()
    leaf = sub.issue()
    bound = await bind(api, await session_of(rt, "entity", entity.id), leaf, chain=(sub.root.pem,))
    assert bound["__typename"] == "CertificateBound", bound
    client.cookies.clear()

    page = await client.get("/login", params={"method": "ca", "return_to": "/oidc/authorize?x=1"})
    assert page.status_code == 200 and "挑战码" in page.text
    challenge = value_of(page.text, "challenge")
    form = {"csrf_token": value_of(page.text, "csrf_token"), "method": "ca", "return_to": "/oidc/authorize?x=1",
            "certificate": leaf.der_b64, "chain": sub.root.der_b64}  # fmt: skip

    other_key = sub.issue()  # a signature by another key: refused, and the challenge is spent
    refused = await client.post("/login", data={**form, "challenge": challenge, "signature": other_key.sign(challenge)},
                                headers=SAME)  # fmt: skip
    assert refused.status_code == 400 and re.search(r'id="signature-error"[^>]*>签名验证失败<', refused.text)
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    replayed = await client.post("/login", data={**form, "challenge": challenge, "signature": leaf.sign(challenge)},
                                 headers=SAME)  # fmt: skip
    assert replayed.status_code == 400 and "挑战码无效或已过期" in replayed.text
    assert (await client.post("/graphql", json={"query": ME})).json()["data"]["me"] is None

    fresh = value_of(replayed.text, "challenge")  # the page shown again carries a new one
    assert fresh != challenge
    opened = await client.post("/login", data={**form, "challenge": fresh, "signature": leaf.sign(fresh)}, headers=SAME)
    assert opened.status_code == 303 and opened.headers["location"] == "/oidc/authorize?x=1"
    me = (await client.post("/graphql", json={"query": ME})).json()["data"]["me"]
    assert me == {"__typename": "EntityAccount", "id": str(entity.id)}
