"""plugins.bankcard_http against a simulated card-verification provider that checks our requests strictly.

The provider is a Starlette app reached through httpx.ASGITransport. It implements the protocol of
docs/plugins.md ("HTTP bank-card verifier") on its own (no code shared with the plugin): it refuses unsigned,
stale, replayed or malformed requests, keeps the bank's records of cards, and signs its answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from plugins.bankcard_http import BankCardHttpVerifier, HttpProviderConfig, ProviderError
from plugins.sandbox import SandboxBankCardVerifier, SandboxSmsGateway
from tests.support import resident_id
from uidp.config import ConfigError, Settings
from uidp.domain.bank_cards import luhn_check_digit
from uidp.plugin_host import PluginHost
from uidp.ports import BankCardQuery, BankCardResult

pytestmark = pytest.mark.anyio

KEY = b"k" * 32
BASE = "https://bank.test/api"
ENV = {"UIDP_BANKCARD_HTTP_URL": BASE, "UIDP_BANKCARD_HTTP_KEY": base64.b64encode(KEY).decode()}
FIELDS = {"name", "certificateType", "certificateNumber", "cardNumber", "phone"}
NAME, NUMBER, PHONE = "陈心", resident_id(), "15012340058"


def card(serial: str) -> str:
    partial = "62220200000000" + serial
    return partial + luhn_check_digit(partial)


GOOD, CLASS_TWO, SLOW = card("0001"), card("0002"), card("0003")


@dataclass
class Provider:
    """The provider's state: the bank's records, nonces seen, pending checks, and what it was asked."""

    key: bytes = KEY
    answer_key: bytes = KEY  # a forger signs with another key
    polls_until_ready: int = 2
    replay: bool = False  # answer every request with the first answer ever sent (a recorded replay)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    first_answer: Response | None = None

    def __post_init__(self) -> None:
        record = {"name": NAME, "certificateType": "RESIDENT_ID", "certificateNumber": NUMBER, "phone": PHONE}
        self.records = {GOOD: {**record, "class": 1}, CLASS_TWO: {**record, "class": 2}, SLOW: {**record, "class": 1}}

    def app(self) -> Starlette:
        routes = [Route("/v1/verify", self.verify, methods=["POST"]), Route("/v1/checks/{ref}", self.check)]
        return Starlette(routes=[Mount("/api", routes=routes)])

    def refuse(self, request: Request, body: bytes) -> Response | None:
        headers = request.headers
        timestamp, nonce = headers.get("x-timestamp", ""), headers.get("x-nonce", "")
        if headers.get("x-client-id") != "uidp" or not timestamp.isdigit():
            return Response("who are you", 401)
        if abs(time.time() - int(timestamp)) > 300:
            return Response("stale timestamp", 401)
        if not re.fullmatch(r"[0-9a-f]{32}", nonce):
            return Response("bad nonce", 400)
        message = f"{timestamp}\n{nonce}\n{request.method}\n{request.url.path}\n".encode() + body
        expected = base64.b64encode(hmac.new(self.key, message, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, headers.get("x-signature", "")):
            return Response("bad signature", 401)
        if nonce in self.nonces:
            return Response("nonce reused", 409)
        self.nonces.add(nonce)
        return None

    def signed(self, request: Request, answer: dict[str, Any]) -> Response:
        if self.replay and self.first_answer is not None:
            return self.first_answer
        body = json.dumps(answer, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        message = f"{timestamp}\n{request.headers['x-nonce']}\n".encode() + body
        signature = base64.b64encode(hmac.new(self.answer_key, message, hashlib.sha256).digest()).decode()
        response = Response(
            body, media_type="application/json", headers={"X-Timestamp": timestamp, "X-Signature": signature}
        )
        self.first_answer = self.first_answer or response
        return response

    async def verify(self, request: Request) -> Response:
        body = await request.body()
        refused = self.refuse(request, body)
        if refused:
            return refused
        if request.headers.get("content-type") != "application/json; charset=utf-8":
            return Response("json only", 415)
        data = json.loads(body)
        if set(data) != FIELDS or not all(isinstance(v, str) and v for v in data.values()):
            return Response("bad shape", 400)
        if not data["cardNumber"].isdigit() or not re.fullmatch(r"1\d{10}", data["phone"]):
            return Response("bad values", 400)
        self.requests.append(data)
        record = self.records.get(data["cardNumber"])
        if record is None:
            return self.signed(request, {"status": "MISMATCH", "reason": "CARD_INVALID"})
        if data["cardNumber"] == SLOW:
            reference = f"chk_{len(self.pending) + 1}"
            self.pending[reference] = {"polls": 0, "answer": self.decide(record, data)}
            return self.signed(request, {"status": "PENDING", "reference": reference})
        return self.signed(request, self.decide(record, data))

    def decide(self, record: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        for key, reason in (
            ("name", "NAME_MISMATCH"),
            ("certificateNumber", "CERTIFICATE_MISMATCH"),
            ("phone", "PHONE_MISMATCH"),
        ):
            if record[key] != data[key]:
                return {"status": "MISMATCH", "reason": reason}
        if record["class"] != 1:
            return {"status": "MISMATCH", "reason": "ACCOUNT_CLASS_NOT_ALLOWED"}
        return {"status": "MATCH"}

    async def check(self, request: Request) -> Response:
        refused = self.refuse(request, await request.body())
        if refused:
            return refused
        pending = self.pending.get(request.path_params["ref"])
        if pending is None:
            return Response("unknown reference", 404)
        pending["polls"] += 1
        if pending["polls"] < self.polls_until_ready:
            return self.signed(request, {"status": "PENDING", "reference": request.path_params["ref"]})
        return self.signed(request, pending["answer"])


def settings_for(tmp_path, **overrides) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data", **overrides)


@pytest.fixture
def provider() -> Provider:
    return Provider()


def verifier_for(provider: Provider, tmp_path, **kwargs) -> BankCardHttpVerifier:
    config = HttpProviderConfig.from_env(settings_for(tmp_path), ENV)
    return BankCardHttpVerifier(config, transport=httpx.ASGITransport(app=provider.app()), **kwargs)


def query(card_number: str = GOOD, **changes: str) -> BankCardQuery:
    values = {"name": NAME, "certificate_type": "RESIDENT_ID", "certificate_number": NUMBER, "phone": PHONE}
    values.update(changes)
    return BankCardQuery(card_number=card_number, **values)


async def test_match_and_the_request_we_sent(provider, tmp_path):
    verifier = verifier_for(provider, tmp_path)
    assert (verifier.id, verifier.sandbox) == ("bankcard_http", False)
    assert await verifier.verify(query()) == BankCardResult("MATCH")
    assert provider.requests == [
        {
            "name": NAME,
            "certificateType": "RESIDENT_ID",
            "certificateNumber": NUMBER,
            "cardNumber": GOOD,
            "phone": PHONE,
        }
    ]


@pytest.mark.parametrize(
    ("the_query", "reason"),
    [
        (query(name="陈新"), "NAME_MISMATCH"),
        (query(certificate_number=resident_id(seq="122")), "CERTIFICATE_MISMATCH"),
        (query(phone="15012340059"), "PHONE_MISMATCH"),
        (query(CLASS_TWO), "ACCOUNT_CLASS_NOT_ALLOWED"),
        (query(card("0009")), "CARD_INVALID"),
    ],
)
async def test_mismatches(provider, tmp_path, the_query, reason):
    assert await verifier_for(provider, tmp_path).verify(the_query) == BankCardResult("MISMATCH", reason)


async def test_pending_then_match(provider, tmp_path):
    verifier = verifier_for(provider, tmp_path)
    first = await verifier.verify(query(SLOW))
    assert (first.status, first.reference) == ("PENDING", "chk_1")
    assert await verifier.poll("chk_1") == BankCardResult("PENDING", reference="chk_1")
    assert await verifier.poll("chk_1") == BankCardResult("MATCH")
    with pytest.raises(ProviderError, match="HTTP 404"):
        await verifier.poll("chk_9")
    with pytest.raises(ProviderError, match="malformed"):
        await verifier.poll("../v1/verify")


async def test_forged_answer_signature_is_refused(provider, tmp_path):
    provider.answer_key = b"f" * 32
    with pytest.raises(ProviderError, match="signature"):
        await verifier_for(provider, tmp_path).verify(query())


async def test_replayed_answer_is_refused(provider, tmp_path):
    """A recorded MATCH answer, replayed to a later request, is signed for the old nonce."""
    verifier = verifier_for(provider, tmp_path)
    assert (await verifier.verify(query())).status == "MATCH"
    provider.replay = True
    with pytest.raises(ProviderError, match="signature"):
        await verifier.verify(query(name="陈新"))


async def test_replayed_nonce_is_refused_by_the_provider(provider, tmp_path):
    verifier = verifier_for(provider, tmp_path, nonce=lambda: "a" * 32)
    assert (await verifier.verify(query())).status == "MATCH"
    with pytest.raises(ProviderError, match="HTTP 409"):
        await verifier.verify(query())


async def test_stale_timestamp_and_wrong_key_are_refused_by_the_provider(provider, tmp_path):
    late = verifier_for(provider, tmp_path, clock=lambda: time.time() - 600)
    with pytest.raises(ProviderError, match="HTTP 401"):
        await late.verify(query())
    provider.key = b"o" * 32
    with pytest.raises(ProviderError, match="HTTP 401"):
        await verifier_for(provider, tmp_path).verify(query())
    assert provider.requests == []


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"status":"MATCH"}', {}),  # unsigned
        (b'{"status":"MAYBE"}', None),
        (b'{"status":"MISMATCH"}', None),  # no reason
        (b'{"status":"PENDING"}', None),  # no reference
        (b"<html>", None),
    ],
)
async def test_answers_that_cannot_be_trusted(tmp_path, body, headers):
    def handler(request: httpx.Request) -> httpx.Response:
        timestamp = str(int(time.time()))
        message = f"{timestamp}\n{request.headers['x-nonce']}\n".encode() + body
        signature = base64.b64encode(hmac.new(KEY, message, hashlib.sha256).digest()).decode()
        sent = {"X-Timestamp": timestamp, "X-Signature": signature} if headers is None else headers
        return httpx.Response(200, content=body, headers=sent)

    config = HttpProviderConfig.from_env(settings_for(tmp_path), ENV)
    with pytest.raises(ProviderError):
        await BankCardHttpVerifier(config, transport=httpx.MockTransport(handler)).verify(query())


async def test_unreachable_provider(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    config = HttpProviderConfig.from_env(settings_for(tmp_path), ENV)
    with pytest.raises(ProviderError, match="unreachable") as error:
        await BankCardHttpVerifier(config, transport=httpx.MockTransport(handler)).verify(query())
    assert GOOD not in str(error.value) and NUMBER not in str(error.value)


@pytest.mark.parametrize(
    ("env", "profile", "message"),
    [
        ({}, "dev", "needs UIDP_BANKCARD_HTTP_URL"),
        ({"UIDP_BANKCARD_HTTP_URL": "http://bank.test"}, "dev", "https://"),
        ({"UIDP_BANKCARD_HTTP_URL": "http://localhost:9000"}, "production", "https://"),
        ({"UIDP_BANKCARD_HTTP_KEY": "bm90IGxvbmc="}, "dev", "at least 32 bytes"),
        ({"UIDP_BANKCARD_HTTP_KEY": "%%%"}, "dev", "base64"),
        ({"UIDP_BANKCARD_HTTP_TIMEOUT": "soon"}, "dev", "seconds"),
    ],
)
def test_configuration_is_checked(tmp_path, env, profile, message):
    environ = {**ENV, **env} if env else {}
    overrides = {"profile": profile}
    if profile == "production":
        overrides.update(
            pii_keys="p1:" + base64.b64encode(b"p" * 32).decode(),
            blind_index_key=base64.b64encode(b"b" * 32).decode(),
            password_pepper=base64.b64encode(b"q" * 32).decode(),
            secret_key=base64.b64encode(b"s" * 32).decode(),
            graphql_ide=False,
            introspection=False,
            dev_peek=False,
            database_url="postgres://db/uidp",
        )
    with pytest.raises(ConfigError, match=message):
        HttpProviderConfig.from_env(settings_for(tmp_path, **overrides), environ)


def test_local_http_is_allowed_on_dev(tmp_path):
    config = HttpProviderConfig.from_env(
        settings_for(tmp_path), {**ENV, "UIDP_BANKCARD_HTTP_URL": "http://127.0.0.1:9000/"}
    )
    assert config.base_url == "http://127.0.0.1:9000" and config.timeout == 10.0


def test_the_host_installs_it_instead_of_the_sandbox(tmp_path, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    host = PluginHost(settings_for(tmp_path, plugins="plugins.bankcard_http"))
    assert isinstance(host.verifiers["bank_card"], BankCardHttpVerifier)
    assert isinstance(host.verifiers["sms_gateway"], SandboxSmsGateway)
    assert "bank_card:bankcard_http" not in host.sandbox_parts()
    default = PluginHost(settings_for(tmp_path))
    assert isinstance(default.verifiers["bank_card"], SandboxBankCardVerifier)
    monkeypatch.setenv("UIDP_SANDBOX_BANK_CARD", "off")
    assert "bank_card" not in PluginHost(settings_for(tmp_path)).verifiers


# ---- the whole app, with this plugin installed -------------------------------------------------

VERIFY = """mutation($i: VerifyBankCardInput!) { verifyBankCard(input: $i) { __typename
  ... on BankCheckResult { status reason level } ... on Error { code } } }"""


@pytest.fixture
def settings(make_settings, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return make_settings(plugins="plugins.bankcard_http")


@pytest.fixture
async def person_token(api, rt, provider):
    installed = rt.plugins.verifiers["bank_card"]
    assert isinstance(installed, BankCardHttpVerifier)
    installed.transport = httpx.ASGITransport(app=provider.app())  # the simulated provider stands in for the bank
    assert (await api.register(api.id_card_form(name=NAME, certificateNumber=NUMBER, phone=PHONE)))[
        "__typename"
    ] == "PersonRegistered"
    return (await api.login(PHONE))["token"]


async def test_through_graphql_pending_then_match(api, person_token, provider):
    result = await api.data(VERIFY, {"i": {"cardNumber": SLOW, "reservedPhone": PHONE}}, token=person_token)
    assert result["verifyBankCard"] == {
        "__typename": "BankCheckResult",
        "status": "PENDING",
        "reason": None,
        "level": "BASIC",
    }
    assert provider.requests[0]["name"] == NAME and provider.requests[0]["certificateNumber"] == NUMBER
    mine = "{ me { ... on PersonAccount { verification { label level } } } }"
    assert (await api.data(mine, token=person_token))["me"]["verification"] == {"label": "认证中", "level": "BASIC"}
    assert (await api.data(mine, token=person_token))["me"]["verification"] == {"label": "中级认证", "level": "MEDIUM"}


async def test_through_graphql_a_forged_answer_changes_nothing(api, person_token, provider):
    provider.answer_key = b"f" * 32
    result = await api.data(VERIFY, {"i": {"cardNumber": GOOD, "reservedPhone": PHONE}}, token=person_token)
    assert result["verifyBankCard"] == {"__typename": "FieldError", "code": "VERIFIER_UNAVAILABLE"}
    assert (await api.me(person_token))["level"] == "BASIC"
