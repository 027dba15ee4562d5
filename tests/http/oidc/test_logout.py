"""GET / POST /oidc/logout (RP-initiated logout 1.0) through HTTP: the hint checked with our keys (expired
accepted), exact post-logout redirect URIs, a Chinese confirmation page with CSRF, then the uidp session ends and
every other system on it gets its back-channel logout at a real local receiver."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.services.oidc.logins import person_login
from tests.services.oidc.receiver import receiver
from tests.services.oidc.rp import Rp
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.session import Session
from uidp.services.oidc.deliveries import OutboxWorker
from uidp.services.oidc.keys import SigningKeys
from uidp.services.oidc.tokens import TokenService

pytestmark = pytest.mark.anyio
SAME = {"sec-fetch-site": "same-origin"}
BACK = "https://rp.example.gov.cn/logged-out"
OTHER_ID = "rp-other"


@pytest.fixture
def settings(make_settings):
    return make_settings(oidc_outbox_seconds=0)  # no worker of the app's own: the test runs the pass


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def hidden_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))


async def tokens(rt, rp: Rp, login) -> dict:
    code, verifier = await rp.code(login)
    return await TokenService(rt).exchange(await rp.request(rp.code_form(code, verifier)))


async def logged_in(client, rt):
    login = await person_login(rt)
    client.cookies.set("uidp_session", login.token)
    return login


async def confirm(client, page, **extra):
    form = {**hidden_of(page.text), "csrf_token": token_of(page.text), "confirm": "1", **extra}
    return await client.post("/oidc/logout/confirm", data=form, headers=SAME)


async def test_the_system_asks_the_person_confirms_and_every_other_system_is_logged_out(client, rt):
    login = await logged_in(client, rt)
    with receiver(rt.settings.oidc_issuer, OTHER_ID) as other_end:
        asking = await Rp.fapi(rt, backchannel_logout_uri=other_end.logout_uri)  # would complain: wrong aud
        other = await Rp.basic(rt, client_id=OTHER_ID, backchannel_logout_uri=other_end.logout_uri)
        issued, others = await tokens(rt, asking, login), await tokens(rt, other, login)
        other_end.jwks = await SigningKeys(rt).jwks()

        query = {"id_token_hint": issued["id_token"], "post_logout_redirect_uri": BACK, "state": "st-42"}
        page = await client.get("/oidc/logout?" + urlencode(query))
        assert page.status_code == 200 and "退出登录" in page.text and "测试业务系统" in page.text
        assert "form-action 'self' https://rp.example.gov.cn" in page.headers["content-security-policy"]
        assert (await Session.get(id=login.session.id)).revoked_at is None  # nothing ends before the answer

        answer = await confirm(client, page)
        assert answer.status_code == 303
        assert answer.headers["location"] == BACK + "?state=st-42"
        assert 'uidp_session=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
        assert (await Session.get(id=login.session.id)).revoked_reason == "logout"
        mine = await OidcAuthorization.get(client_id=asking.row.id)
        assert mine.revoked_reason == "rp_logout" and mine.logout_sent_at is not None

        report = await OutboxWorker(rt).pass_once()
        assert (report.staged.queued, report.sent.delivered) == (1, 1)
        assert other_end.problems == [] and len(other_end.logouts) == 1  # the asking system is not sent one
        other_sid = (await SigningKeys(rt).verify(others["id_token"]))["sid"]
        assert other_end.logouts[0]["sid"] == other_sid
        assert await OidcDelivery.filter(client_id=asking.row.id).count() == 0
        event = await AuditEvent.get(event_type="oidc.rp_logout")
        assert event.details["client_id"] == asking.row.client_id and event.details["hint_matched"] is True


async def test_an_expired_hint_is_accepted_and_a_post_works_like_a_get(client, rt, clock):
    login = await logged_in(client, rt)
    rp = await Rp.fapi(rt)
    issued = await tokens(rt, rp, login)
    clock.advance(7200)  # the ID token expired long ago; the key still verifies
    page = await client.post(
        "/oidc/logout", data={"id_token_hint": issued["id_token"], "post_logout_redirect_uri": BACK}
    )
    assert page.status_code == 200 and hidden_of(page.text)["client_id"] == rp.row.client_id
    answer = await confirm(client, page)
    assert answer.status_code == 303 and answer.headers["location"] == BACK


async def test_without_a_system_the_person_is_told_they_have_left(client, rt):
    login = await logged_in(client, rt)
    page = await client.get("/oidc/logout")
    assert page.status_code == 200 and "是否退出湖北省统一身份认证平台" in page.text
    answer = await confirm(client, page)
    assert answer.status_code == 200 and "已退出" in answer.text
    assert (await Session.get(id=login.session.id)).revoked_at is not None


async def test_cancel_ends_nothing_and_a_forged_confirmation_is_refused(client, rt):
    login = await logged_in(client, rt)
    rp = await Rp.fapi(rt)
    page = await client.get(f"/oidc/logout?client_id={rp.row.client_id}")
    kept = await confirm(client, page, cancel="1")
    assert kept.status_code == 200 and "未退出" in kept.text
    forged = {name: value for name, value in hidden_of(page.text).items() if name != "csrf_token"}
    forged["confirm"] = "1"
    assert (await client.post("/oidc/logout/confirm", data=forged, headers=SAME)).status_code == 403
    cross_site = {**forged, "csrf_token": token_of(page.text)}
    refused = await client.post("/oidc/logout/confirm", data=cross_site, headers={"sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    assert (await Session.get(id=login.session.id)).revoked_at is None


async def test_without_a_session_the_confirmation_just_goes_back(client, rt):
    rp = await Rp.fapi(rt)
    page = await client.get(
        "/oidc/logout?" + urlencode({"client_id": rp.row.client_id, "post_logout_redirect_uri": BACK, "state": "s"})
    )
    answer = await confirm(client, page)
    assert answer.status_code == 303 and parse_qs(urlsplit(answer.headers["location"]).query) == {"state": ["s"]}


def foreign_id_token(rt, client_id: str) -> str:
    key = ECKey.generate_key("P-256", private=True)
    header = {"alg": "ES256", "kid": key.thumbprint(), "typ": "JWT"}
    claims = {"iss": rt.settings.oidc_issuer, "aud": client_id, "sub": "x", "iat": 1, "exp": 2}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


async def test_bad_requests_get_a_page_and_never_a_redirect(client, rt):
    login = await logged_in(client, rt)
    rp, other = await Rp.fapi(rt), await Rp.basic(rt)
    issued = await tokens(rt, rp, login)
    cases = [
        {"client_id": rp.row.client_id, "post_logout_redirect_uri": "https://evil.example.com/"},
        {"client_id": rp.row.client_id, "post_logout_redirect_uri": BACK + "/"},  # exact match only
        {"post_logout_redirect_uri": BACK},  # which system's?
        {"id_token_hint": foreign_id_token(rt, rp.row.client_id), "post_logout_redirect_uri": BACK},
        {"id_token_hint": issued["access_token"]},  # an access token is not an ID token (typ at+jwt)
        {"id_token_hint": "not.a.token"},
        {"id_token_hint": issued["id_token"], "client_id": other.row.client_id},
        {"client_id": "no-such-system"},
        {"client_id": rp.row.client_id, "state": "a b"},
    ]
    for query in cases:
        answer = await client.get("/oidc/logout?" + urlencode(query))
        assert answer.status_code == 400, query
        assert "无法退出登录" in answer.text and "location" not in answer.headers
    repeated = await client.get(f"/oidc/logout?client_id={rp.row.client_id}&client_id={rp.row.client_id}")
    assert repeated.status_code == 400
    page = await client.get(f"/oidc/logout?client_id={rp.row.client_id}")
    tampered = await confirm(client, page, post_logout_redirect_uri="https://evil.example.com/")
    assert tampered.status_code == 400 and "location" not in tampered.headers
    assert (await Session.get(id=login.session.id)).revoked_at is None
