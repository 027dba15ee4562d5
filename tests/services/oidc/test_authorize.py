"""The authorization endpoint's decisions (uidp.services.oidc.authorize) on real sessions opened by the real
login services: login, prompt and max_age, locked and cancelled accounts, the level and step-up, consent
(remembered, denied, a proxy session's agent asked every time), and the code with everything it is bound to."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.oidc_support import REDIRECT_URI, make_oidc_client
from tests.services.entities.test_entity_changes import ENTITY_PASSWORD, make_entity
from tests.support import PASSWORD, register_person
from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcClient, OidcConsent
from uidp.models.person import Person
from uidp.services.auth.login import LoginService
from uidp.services.auth.proxy_login import ProxyLogin
from uidp.services.auth.sessions import Sessions
from uidp.services.oidc.authorize import (
    AuthorizationFlow,
    NeedsConsent,
    NeedsLogin,
    NeedsStepUp,
    Redirect,
    continuation,
)
from uidp.services.oidc.codes import AuthorizationCodes
from uidp.services.oidc.requests import RequestRefused, validate_request
from uidp.services.shared.principal import ClientInfo

CLIENT = ClientInfo("198.51.100.71", "pytest")
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
BROWSER = "browser-cookie-value-of-this-test-0001"
PHONE = "15012345671"


def params(**overrides: str | None) -> dict[str, str]:
    values = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile phone",
        "state": "st-9",
        "nonce": "n-9",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


async def basic(rt, **fields) -> OidcClient:
    return (await make_oidc_client(rt, profile=ClientProfile.BASIC, **fields)).row


async def person_session(rt, phone: str = PHONE, seq: str = "191"):
    person = await register_person(rt, CLIENT, phone=phone, seq=seq)
    outcome = await LoginService(rt).login_with_password(phone, PASSWORD, CLIENT)
    return person, outcome.issued.token


async def begin(rt, client: OidcClient, browser: str = BROWSER, **overrides) -> str:
    request = validate_request(client, params(**overrides), pushed=False)
    return await AuthorizationFlow(rt).start(request, browser, CLIENT)


async def decide(rt, pending: str, token: str | None, *, browser: str = BROWSER, consent: bool | None = None):
    row = await Sessions(rt).resolve_with_account(token)
    return await AuthorizationFlow(rt).decide(pending, browser, row, CLIENT, consent=consent)


def answer(outcome) -> dict[str, str]:
    assert isinstance(outcome, Redirect), outcome
    parts = urlsplit(outcome.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    return {name: values[0] for name, values in parse_qs(parts.query).items()}


async def test_a_person_logs_in_consents_and_gets_a_code_bound_to_the_request(rt):
    client = await basic(rt)
    pending = await begin(rt, client)
    assert await decide(rt, pending, None) == NeedsLogin(continuation(pending))
    person, token = await person_session(rt)
    consent = await decide(rt, pending, token)
    labels = ["您的平台账号标识（每个系统各不相同）", "您的姓名", "您的手机号码"]
    assert consent == NeedsConsent(pending, client.name, labels, REDIRECT_URI)
    values = answer(await decide(rt, pending, token, consent=True))
    assert values["state"] == "st-9" and values["iss"] == rt.settings.oidc_issuer and "error" not in values
    grant = await AuthorizationCodes(rt).take(values["code"])
    session = await Sessions(rt).resolve(token)
    assert grant is not None and session is not None
    assert (grant.client_id, grant.redirect_uri, grant.code_challenge) == (str(client.id), REDIRECT_URI, CHALLENGE)
    assert (grant.subject_kind, grant.subject_id, grant.session_id) == ("person", str(person.id), str(session.id))
    assert (grant.acr, grant.amr, grant.nonce) == ("urn:uidp:level:1", ["password", "pwd"], "n-9")
    assert grant.auth_time == int(session.created_at.timestamp()) and grant.actor_id is None
    assert grant.dpop_jkt is None  # a basic client's tokens are bearer tokens (a FAPI client's: test_par)
    assert set(grant.claims) == {"name", "phone_number", "phone_number_verified", "sub"}
    assert grant.scopes == ["openid", "profile", "phone"]
    with pytest.raises(RequestRefused):  # the request is finished: no second code from it
        await decide(rt, pending, token, consent=True)
    issued = await AuditEvent.get(event_type=EventType.OIDC_CODE_ISSUED)
    assert issued.details["client_id"] == client.client_id and values["code"] not in str(issued.details)

    # the next request asks no more than was agreed: no consent page
    again = answer(await decide(rt, await begin(rt, client, scope="openid phone"), token))
    assert "code" in again
    # asking for more shows the page again; prompt=consent always does
    assert isinstance(await decide(rt, await begin(rt, client, scope="openid id_card"), token), NeedsConsent)
    assert isinstance(await decide(rt, await begin(rt, client, prompt="consent"), token), NeedsConsent)


async def test_prompt_none_answers_instead_of_asking(rt):
    client = await basic(rt, min_level=2)
    values = answer(await decide(rt, await begin(rt, client, prompt="none"), None))
    assert (values["error"], values["state"], values["iss"]) == ("login_required", "st-9", rt.settings.oidc_issuer)
    assert "code" not in values
    _, token = await person_session(rt)
    unmet = answer(await decide(rt, await begin(rt, client, prompt="none"), token))
    assert unmet["error"] == OAuthError.UNMET_AUTHENTICATION_REQUIREMENTS
    await Person.all().update(level=2)
    needs_consent = answer(await decide(rt, await begin(rt, client, prompt="none"), token))
    assert needs_consent["error"] == "consent_required"
    refused = await AuditEvent.filter(event_type=EventType.OIDC_AUTHORIZATION_REFUSED).order_by("at")
    assert [event.details["error"] for event in refused] == [
        "login_required",
        "unmet_authentication_requirements",
        "consent_required",
    ]


async def test_the_level_the_client_and_acr_values_need(rt):
    client = await basic(rt, min_level=2)
    person, token = await person_session(rt)
    pending = await begin(rt, client)
    step_up = await decide(rt, pending, token)
    assert step_up == NeedsStepUp(pending, client.name, 2, 1, SubjectKind.PERSON, REDIRECT_URI)
    await Person.filter(id=person.id).update(level=2)  # a bank card verified meanwhile: the same request goes on
    assert isinstance(await decide(rt, pending, token), NeedsConsent)
    high = await begin(rt, client, acr_values="urn:uidp:level:3")
    assert (await decide(rt, high, token)) == NeedsStepUp(high, client.name, 3, 2, SubjectKind.PERSON, REDIRECT_URI)
    declined = answer(await decide(rt, high, token, consent=False))  # 返回 on the step-up page
    assert declined["error"] == "access_denied" and "code" not in declined
    either = await begin(rt, client, acr_values="urn:uidp:level:3 urn:uidp:level:2")
    assert isinstance(await decide(rt, either, token), NeedsConsent)


async def test_prompt_login_and_max_age_want_a_login_after_the_request(rt, clock):
    client = await basic(rt)
    _, token = await person_session(rt)
    clock.advance(30)
    pending = await begin(rt, client, prompt="login")
    assert await decide(rt, pending, token) == NeedsLogin(continuation(pending))
    clock.advance(5)
    fresh = (await LoginService(rt).login_with_password(PHONE, PASSWORD, CLIENT)).issued.token
    assert isinstance(await decide(rt, pending, fresh), NeedsConsent)

    aged = await begin(rt, client, max_age="20")
    assert isinstance(await decide(rt, aged, token), NeedsLogin)  # that login is 35 s old
    assert isinstance(await decide(rt, aged, fresh), NeedsConsent)  # this one is newer than the request
    young = await begin(rt, client, max_age="60")
    assert isinstance(await decide(rt, young, token), NeedsConsent)
    silent = answer(await decide(rt, await begin(rt, client, max_age="10", prompt="none"), token))
    assert silent["error"] == "login_required"


async def test_a_locked_or_cancelled_account_gets_no_code(rt):
    client = await basic(rt)
    person, token = await person_session(rt)
    await rt.store.set(f"login:lock:person:{person.id}", "1", 900)  # what five wrong passwords leave
    locked = answer(await decide(rt, await begin(rt, client), token, consent=True))
    assert locked["error"] == "access_denied" and "code" not in locked
    await rt.store.delete(f"login:lock:person:{person.id}")

    from uidp.services.shared.erasure import erase_person

    await erase_person(person.id)  # P10's erasure: the person and their sessions are gone
    pending = await begin(rt, client)
    assert isinstance(await decide(rt, pending, token), NeedsLogin)
    silent = answer(await decide(rt, await begin(rt, client, prompt="none"), token, consent=True))
    assert silent["error"] == "login_required" and "code" not in silent


async def test_the_pending_request_is_this_browsers_and_ends_once(rt, clock):
    client = await basic(rt)
    _, token = await person_session(rt)
    pending = await begin(rt, client)
    with pytest.raises(RequestRefused):
        await decide(rt, pending, token, browser="another-browser-cookie-value-0002")
    with pytest.raises(RequestRefused):
        await decide(rt, "not-a-pending-request", token)
    assert isinstance(await decide(rt, pending, token), NeedsConsent)  # the stranger's try left it in place

    results: list[object] = []

    async def approve() -> None:
        try:
            results.append(await decide(rt, pending, token, consent=True))
        except RequestRefused as refused:
            results.append(refused)

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(approve)
    assert sum(isinstance(result, Redirect) for result in results) == 1
    assert await OidcConsent.filter(client_id=client.id).count() == 1

    late = await begin(rt, client)
    clock.advance(601)
    with pytest.raises(RequestRefused):
        await decide(rt, late, token)


async def test_a_disabled_client_ends_its_pending_requests(rt):
    client = await basic(rt)
    _, token = await person_session(rt)
    pending = await begin(rt, client)
    await OidcClient.filter(id=client.id).update(disabled_at=rt.clock.now())
    with pytest.raises(RequestRefused) as refused:
        await decide(rt, pending, token, consent=True)
    assert refused.value.redirect_uri is None  # a page: a disabled client is no longer trusted with a redirect


async def test_an_entity_session_and_a_proxy_session(rt):
    client = await basic(rt)
    world = await Delegation.build(rt)
    agent = (await ProxyLogin(rt).login_as_agent(world.credit_code, AGENT_PHONE, PASSWORD, CLIENT)).issued
    pending = await begin(rt, client, scope="openid entity delegation")
    consent = await decide(rt, pending, agent.token)
    assert isinstance(consent, NeedsConsent)
    assert consent.labels == [
        "您的平台账号标识（每个系统各不相同）",
        "法人的名称和统一社会信用代码",
        "您代理法人办事的授权范围和期限",
    ]
    grant = await AuthorizationCodes(rt).take(answer(await decide(rt, pending, agent.token, consent=True))["code"])
    assert grant is not None
    assert (grant.subject_kind, grant.subject_id) == ("entity", str(world.entity.id))
    assert (grant.actor_id, grant.grant_id) == (str(world.agent.id), str(world.grant.id))
    assert grant.amr == ["agent", "pwd"] and grant.acr == "urn:uidp:level:2"
    # the agent is asked every time: an agent's consent is never remembered for the entity
    assert await OidcConsent.filter(client_id=client.id).count() == 0
    assert isinstance(await decide(rt, await begin(rt, client, scope="openid entity"), agent.token), NeedsConsent)

    own = await LoginService(rt).login_with_password(
        world.credit_code, ENTITY_PASSWORD, CLIENT, realm=SubjectKind.ENTITY
    )
    entity_pending = await begin(rt, client, scope="openid entity delegation")
    consent = await decide(rt, entity_pending, own.issued.token)
    assert isinstance(consent, NeedsConsent) and "您代理法人办事的授权范围和期限" not in consent.labels
    code = answer(await decide(rt, entity_pending, own.issued.token, consent=True))["code"]
    grant = await AuthorizationCodes(rt).take(code)
    assert grant is not None and grant.actor_id is None and grant.amr == ["password", "pwd"]
    assert await OidcConsent.filter(subject_id=world.entity.id, subject_kind="entity").count() == 1
    assert "code" in answer(await decide(rt, await begin(rt, client, scope="openid entity"), own.issued.token))
    _ = make_entity  # the sandbox enterprise Delegation.build registered


async def test_kept_requests_are_counted_per_address_before_they_are_kept(rt, make_settings):
    """A basic client's request comes straight from a URL anyone can open: each kept one is counted (atomically,
    first) against UIDP_LOGIN_STARTS_PER_HOUR for the address, and past it goes back temporarily_unavailable."""
    client = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    limit = rt.settings.login_starts_per_hour
    request = validate_request(client, params(), pushed=False)
    flow = AuthorizationFlow(rt)
    at_once = asyncio.Semaphore(40)  # concurrent, within the store's connection pool

    async def start() -> str:
        async with at_once:
            return await flow.start(request, BROWSER, CLIENT)

    outcomes = await asyncio.gather(*(start() for _ in range(limit + 15)), return_exceptions=True)
    kept = [outcome for outcome in outcomes if isinstance(outcome, str)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, RequestRefused)]
    others = [repr(o) for o in outcomes if not isinstance(o, (str, RequestRefused))]
    assert not others, others[:3]
    assert len(kept) == limit and len(refused) == 15
    assert {(r.error, r.redirect_uri, r.state) for r in refused} == {
        (OAuthError.TEMPORARILY_UNAVAILABLE, REDIRECT_URI, request.state)
    }
    assert isinstance(await flow.start(request, BROWSER, ClientInfo("198.51.100.99")), str)  # another address
