"""HTTP helpers for the browser-facing OIDC tests: a relying party pushing requests to /oidc/par, a browser
(an httpx client with its own cookie jar) following /oidc/authorize, logging in on /login and answering the
consent page, and the redirect it lands on."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.oidc_support import REDIRECT_URI
from tests.services.oidc.logins import pkce_pair
from tests.services.oidc.rp import Rp
from tests.support import PASSWORD, register_person
from uidp.services.shared.principal import ClientInfo

SAME = {"sec-fetch-site": "same-origin"}
CROSS = {"sec-fetch-site": "cross-site"}
PHONE = "15012345651"
CLIENT = ClientInfo("198.51.100.81", "pytest")


def request_params(**overrides: str | None) -> dict[str, str]:
    """An authorization request's parameters (a fresh PKCE challenge unless given)."""
    _, challenge = pkce_pair()
    values: dict[str, str | None] = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile phone",
        "state": "st-http",
        "nonce": "n-http",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


async def push(
    client: httpx.AsyncClient, rp: Rp, *, proof: str | None = None, auth: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    """POST /oidc/par as the client authenticates (``auth`` replaces its form fields)."""
    fields, header = rp.auth()
    headers = {**({"authorization": header} if header else {}), **({"dpop": proof} if proof else {})}
    form = {"client_id": rp.row.client_id, **request_params(**params), **(auth if auth is not None else fields)}
    return await client.post("/oidc/par", data=form, headers=headers)


async def pushed_uri(client: httpx.AsyncClient, rp: Rp, **params: Any) -> str:
    answer = await push(client, rp, **params)
    assert answer.status_code == 201, answer.text
    return answer.json()["request_uri"]


def authorize_url(rp: Rp, request_uri: str | None = None, **params: str) -> str:
    query = {"client_id": rp.row.client_id, **({"request_uri": request_uri} if request_uri else params)}
    return "/oidc/authorize?" + urlencode(query)


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def pending_of(html: str) -> str:
    found = re.search(r'name="pending" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def landed(response: httpx.Response) -> dict[str, str]:
    """The redirect back to the connected system: its query (code or error, state, iss)."""
    assert response.status_code in (302, 303), (response.status_code, response.text[:400])
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return query_of(location)


async def person(rt: Any, phone: str = PHONE, seq: str = "151") -> Any:
    return await register_person(rt, CLIENT, phone=phone, seq=seq)


async def log_in(browser: httpx.AsyncClient, return_to: str, identifier: str = PHONE, **fields: str) -> httpx.Response:
    """The password form of /login (person tab unless ``method`` says otherwise); its 303."""
    method = fields.pop("method", "person")
    page = await browser.get("/login", params={"method": method, "return_to": return_to})
    assert page.status_code == 200, page.text
    form = {"csrf_token": token_of(page.text), "method": method, "return_to": return_to}
    form.update({"identifier": identifier} if method != "entity" else {})
    form.update({"password": PASSWORD, **fields})
    answer = await browser.post("/login", data=form, headers=SAME)
    assert answer.status_code == 303, answer.text
    return answer


async def consent(browser: httpx.AsyncClient, page: httpx.Response, decision: str) -> httpx.Response:
    """Press 同意 (approve) or 拒绝 (deny) on the consent page ``page``."""
    form = {"csrf_token": token_of(page.text), "pending": pending_of(page.text), "decision": decision}
    return await browser.post("/oidc/consent", data=form, headers=SAME)


async def to_consent_page(browser: httpx.AsyncClient, start: str) -> httpx.Response:
    """Follow /oidc/authorize, log in when asked, and answer the page it ends on (consent, step-up, ...)."""
    answer = await browser.get(start)
    if answer.status_code == 302 and answer.headers["location"].startswith("/login?"):
        return_to = query_of(answer.headers["location"])["return_to"]
        back = await log_in(browser, return_to)
        answer = await browser.get(back.headers["location"])
    return answer
