"""Staff account security through HTTP: the TOTP attempt limit under a concurrent burst, single-use codes,
case documents for reviewers only, the production session cookie."""

from __future__ import annotations

import asyncio
import base64

import pytest

from tests.graph.test_manual_registration import PNG, upload
from tests.graph.test_review import manual_registration
from tests.support import enrol_staff, staff_token
from uidp.models.audit import AuditEvent
from uidp.models.upload import Upload
from uidp.security.totp import totp
from uidp.services.auth.api_tokens import ApiTokens

pytestmark = pytest.mark.anyio
STAFF_PASSWORD = "Staff#2026pw"
LOGIN_STAFF = """mutation($i: LoginStaffInput!){ loginStaff(input:$i){ __typename
  ... on LoginSuccess { token } ... on LoginFailed { code field } ... on Error { code field } } }"""
PROXY = "203.0.113.7"  # the test client's socket peer


@pytest.fixture
def settings(make_settings):
    # only the TOTP counter may stop the burst: the login captcha and lock are out of reach here
    return make_settings(
        login_captcha_after=1000, login_lock_after=1000, client_failure_limit=100_000, trusted_proxies=PROXY
    )


async def login_staff(api, code: str, username: str = "bob") -> dict:
    variables = {"username": username, "password": STAFF_PASSWORD, "totpCode": code}
    return (await api.data(LOGIN_STAFF, {"i": variables}))["loginStaff"]


async def make_staff(rt) -> bytes:
    enrolled = await enrol_staff(rt, "reviewer", username="bob", password=STAFF_PASSWORD)
    rt.clock.advance(30)  # enrolment spent this step's code
    return enrolled.secret


def wrong_codes(secret: bytes, at, count: int) -> list[str]:
    near = {totp(secret, at.timestamp() + 30 * step) for step in (-1, 0, 1)}
    return [code for code in (f"{n:06d}" for n in range(100, 10_000, 7)) if code not in near][:count]


async def test_a_burst_of_totp_guesses_checks_at_most_the_limit(api, rt, clock, settings):
    secret = await make_staff(rt)
    guesses = wrong_codes(secret, clock.now(), 20)
    answers = await asyncio.gather(*(login_staff(api, code) for code in guesses))
    codes = [answer["code"] for answer in answers]
    checked = codes.count("SECOND_FACTOR_INVALID")
    assert checked == settings.staff_totp_max_tries, codes
    assert codes.count("SECOND_FACTOR_LOCKED") == len(guesses) - checked
    reasons = [e.details["reason"] for e in await AuditEvent.filter(event_type="login.failed")]
    assert reasons.count("second_factor") == settings.staff_totp_max_tries
    assert reasons.count("second_factor_limit") == len(guesses) - settings.staff_totp_max_tries
    # the right code after the limit is refused without being checked
    right = await login_staff(api, totp(secret, clock.now()))
    assert (right["__typename"], right["code"], right["field"]) == ("LoginFailed", "SECOND_FACTOR_LOCKED", "totpCode")


async def test_a_totp_code_works_once_even_in_a_concurrent_burst(api, rt, clock):
    secret = await make_staff(rt)
    code = totp(secret, clock.now())
    answers = await asyncio.gather(*(login_staff(api, code) for _ in range(8)))
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds.count("LoginSuccess") == 1, answers
    refused = {a["code"] for a in answers if a["__typename"] != "LoginSuccess"}
    assert refused <= {"SECOND_FACTOR_INVALID", "SECOND_FACTOR_LOCKED"} and refused
    clock.advance(10)  # still inside the same 30-second step: the code stays spent
    # Refused either way: as spent, or unchecked when the replays' tries, counted around the success's reset of
    # the counter, reached the limit (their order differs from run to run under concurrency).
    again = await login_staff(api, code)
    assert again["__typename"] == "LoginFailed" and again["code"] in {"SECOND_FACTOR_INVALID", "SECOND_FACTOR_LOCKED"}


# ---- /staff/documents/{id} -------------------------------------------------------------------------------


async def test_documents_need_the_review_scope_and_a_case(api, client, rt):
    await manual_registration(api, client)
    reviewer = await staff_token(rt, "reviewer", username="rev")
    unclaimed = (await upload(client, "CERTIFICATE_FRONT", PNG, "image/png")).json()["data"]["uploadDocument"]["id"]
    claimed = next(u for u in await Upload.all() if str(u.id) != unclaimed)

    def get(upload_id, token, **headers):
        return client.get(f"/staff/documents/{upload_id}", headers={"authorization": f"Bearer {token}", **headers})

    assert (await get(claimed.id, reviewer)).status_code == 200
    assert (await get(unclaimed, reviewer)).status_code == 404  # no case shows it: a reviewer cannot fetch it
    tokens = ApiTokens(rt)
    without = await tokens.create(staff_username="rev", name="n", scopes=["audit", "sandbox"], expires_in_days=1)
    within = await tokens.create(staff_username="rev", name="r", scopes=["review"], expires_in_days=1)
    assert (await get(claimed.id, without.token)).status_code == 404
    assert (await get(claimed.id, within.token)).status_code == 200
    operator = await staff_token(rt, "operator", username="op")
    assert (await get(claimed.id, operator)).status_code == 404


async def test_document_views_are_audited_with_the_graphql_address_logic(api, client, rt):
    await manual_registration(api, client)
    reviewer = await staff_token(rt, "reviewer", username="rev")
    claimed = await Upload.first()
    forwarded = {"authorization": f"Bearer {reviewer}", "x-forwarded-for": "198.51.100.23"}
    assert (await client.get(f"/staff/documents/{claimed.id}", headers=forwarded)).status_code == 200
    viewed = await AuditEvent.get(event_type="document.viewed")
    assert viewed.client_address == "198.51.100.*" and viewed.details["case_id"]
    # the same headers on a GraphQL call give the same address
    wrong = {"i": {"username": "rev", "password": "Wrong#2026pw", "totpCode": "000000"}}
    await api.post(LOGIN_STAFF, wrong, headers={"x-forwarded-for": "198.51.100.23"})
    failed = await AuditEvent.get(event_type="login.failed")
    assert failed.client_address == viewed.client_address


# ---- the production session cookie ------------------------------------------------------------------------


def _key(fill: bytes) -> str:
    return base64.b64encode(fill * 32).decode()


async def test_production_session_cookie_is_host_prefixed(make_settings, clock):
    from tests.graph.test_hardening import running

    settings = make_settings(
        profile="production",
        allow_sandbox=True,
        pii_keys=f"k1:{_key(b'k')}",
        blind_index_key=_key(b"b"),
        password_pepper=_key(b"p"),
        secret_key=_key(b"s"),
        bcrypt_rounds=12,
    )
    async with running(settings, clock) as http:
        from tests.support import Api

        rt = http._transport.app.state.runtime  # type: ignore[attr-defined]
        api = Api(http, rt)
        secret = await make_staff(rt)
        response = await api.post(
            LOGIN_STAFF,
            {"i": {"username": "bob", "password": STAFF_PASSWORD, "totpCode": totp(secret, clock.now())}},
        )
        header = response.headers["set-cookie"]
        token = response.json()["data"]["loginStaff"]["token"]
        assert header.startswith(f"__Host-uidp_session={token};")
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"httponly", "path", "samesite", "secure"} <= attributes and "domain" not in attributes
        assert "Path=/" in header
        me = "{ me { __typename } }"
        http.cookies.clear()
        with_host = await http.post("/graphql", json={"query": me}, headers={"cookie": f"__Host-uidp_session={token}"})
        assert with_host.json()["data"]["me"] == {"__typename": "StaffMember"}
        plain = await http.post("/graphql", json={"query": me}, headers={"cookie": f"uidp_session={token}"})
        assert plain.json()["data"]["me"] is None  # a cookie a sibling subdomain could plant is not read
        out = await http.post(
            "/graphql",
            json={"query": "mutation { logout { __typename } }"},
            headers={"cookie": f"__Host-uidp_session={token}"},
        )
        cleared = out.headers["set-cookie"]
        assert cleared.startswith("__Host-uidp_session=") and "Max-Age=0" in cleared and "Secure" in cleared
