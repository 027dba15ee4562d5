"""uidp.testing catches what it promises to catch: the suites run (in a fresh pytest, as an integrator would run
them, with only the fixtures of the ``pytest11`` entry point) against plugins that break the contract one way
each, and against an honest one that passes."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

PLUGINS = '''
import hashlib, hmac, logging
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from uidp.plugin_api import (Assertion, LoginFailure, RedirectStart, Trust, VerifierKind, hookimpl)

log = logging.getLogger("acme")
KEY = b"k" * 32
CODES = {"good-code-1234": "acme-user-1"}


def signature(body: bytes) -> str:
    return hmac.new(KEY, body, hashlib.sha256).hexdigest()


class Honest:
    """Redirect, one-time codes, a signed notice route with single-use ids."""
    label = "测试渠道"
    sandbox = True

    def __init__(self, method_id="acme"):
        self.id = method_id
        self.codes = dict(CODES)
        self.seen = set()
        self.notices = []

    async def start(self, request):
        return RedirectStart(f"https://acme.example/authorize?state={request.state}", keep={"n": request.state[:8]})

    async def complete(self, request, ports):
        if request.kept.get("n") != (request.state or "")[:8]:
            raise LoginFailure("start was not kept")
        subject = self.codes.pop(request.params.get("code", ""), None)
        if subject is None:
            raise LoginFailure("unknown code")
        return Assertion(provider=self.id, subject=subject)

    async def notify(self, request: Request) -> Response:
        body = await request.body()
        if not hmac.compare_digest(request.headers.get("x-signature", ""), signature(body)):
            return JSONResponse({"ok": False}, status_code=401)
        if body in self.seen:
            return JSONResponse({"ok": False}, status_code=409)
        self.seen.add(body)
        self.notices.append(body)
        return JSONResponse({"ok": True})

    @hookimpl
    def register_login_methods(self, register):
        register(self)

    @hookimpl
    def register_routes(self, register):
        register(f"/plugins/{self.id}/notify", self.notify, methods=["POST"])


class Crashing(Honest):
    async def complete(self, request, ports):
        subject = self.codes.pop(request.params["code"], None)   # KeyError on a missing code
        if subject is None:
            raise LoginFailure("unknown code")
        return Assertion(provider=self.id, subject=subject)


class Leaky(Honest):
    async def complete(self, request, ports):
        log.info("completing with code %s", request.params.get("code"))
        return await super().complete(request, ports)


class Talkative(Honest):
    async def complete(self, request, ports):
        code = request.params.get("code", "")
        if code not in self.codes:
            raise LoginFailure(f"unknown code {code}")
        return await super().complete(request, ports)


class Stateless(Honest):
    async def start(self, request):
        return RedirectStart("https://acme.example/authorize", keep={"n": request.state[:8]})


class Dishonest(Honest):
    def __init__(self, production):
        super().__init__()
        self.sandbox = not production   # claims to be real where production would refuse a sandbox


class VanishingPlugin:
    @hookimpl
    def register_login_methods(self, register, settings):
        if not settings.is_production:   # a dev-only sandbox: unconfigured production registers nothing
            register(Honest())


class DishonestPlugin:
    @hookimpl
    def register_login_methods(self, register, settings):
        register(Dishonest(settings.is_production))


class Greedy(Honest):
    trust = frozenset({Trust.ACCOUNT})   # would open whatever account id it asserts


class Gullible(Honest):
    async def notify(self, request):
        self.notices.append(await request.body())   # trusts any caller
        return JSONResponse({"ok": True})


class LeakySms:
    id = "acme-sms"
    sandbox = False

    async def send(self, phone, text, *, purpose):
        log.info("sending %s to %s", text, phone)


class SmsPlugin:
    def __init__(self, gateway):
        self.gateway = gateway

    @hookimpl
    def register_verifiers(self, register):
        register(VerifierKind.SMS_GATEWAY, self.gateway)


class QuietSms(LeakySms):
    async def send(self, phone, text, *, purpose):
        log.info("sending a %s message", purpose)
'''

SUITES = """
import hashlib, json, pytest
import acme_plugins as acme
from uidp.plugin_api import VerifierKind
from uidp.testing import CallbackCall, CallbackCase, GoodLogin, LoginMethodConformance, VerifierConformance


class Acme(LoginMethodConformance):
    method_id = "acme"
    sandbox = True
    plugin_class = acme.Honest

    @pytest.fixture
    def uidp_plugin(self):
        self.plugin = self.plugin_class()
        return self.plugin

    def failing_logins(self):
        return [{"code": "wrong-code-5678"}]

    async def good_login(self, kit, state):
        return GoodLogin({"code": "good-code-1234"}, expect="BindingRequired")

    async def callback_case(self, kit):
        body = json.dumps({"notice": "n-1", "user": "acme-user-1"}).encode()
        good = CallbackCall("POST", "/plugins/acme/notify", headers={"x-signature": acme.signature(body)},
                            content=body)
        forged = [CallbackCall("POST", "/plugins/acme/notify", headers={"x-signature": "0" * 64}, content=body),
                  CallbackCall("POST", "/plugins/acme/notify", headers={"x-signature": acme.signature(body)},
                               content=body + b" ")]
        async def observe(kit):
            return list(self.plugin.notices)
        return CallbackCase(good, forged, observe=observe)


class TestHonest(Acme):
    pass


class TestCrashing(Acme):
    plugin_class = acme.Crashing


class TestLeaky(Acme):
    plugin_class = acme.Leaky


class TestTalkative(Acme):
    plugin_class = acme.Talkative


class TestStateless(Acme):
    plugin_class = acme.Stateless


class TestGullible(Acme):
    plugin_class = acme.Gullible


class TestGreedy(Acme):
    plugin_class = acme.Greedy


class TestDishonest(Acme):
    production_sandbox = True

    async def callback_case(self, kit):
        return None

    @pytest.fixture
    def uidp_plugin(self):
        return acme.DishonestPlugin()


class TestVanishing(Acme):
    production_registers = False

    @pytest.fixture
    def uidp_plugin(self):
        return acme.VanishingPlugin()

    async def callback_case(self, kit):
        return None


class TestVanishingDeclaredPresent(TestVanishing):
    production_registers = True


class Sms(VerifierConformance):
    kind = VerifierKind.SMS_GATEWAY
    verifier_id = "acme-sms"
    sandbox = False


class TestLeakySms(Sms):
    @pytest.fixture
    def uidp_plugin(self):
        return acme.SmsPlugin(acme.LeakySms())


class TestQuietSms(Sms):
    @pytest.fixture
    def uidp_plugin(self):
        return acme.SmsPlugin(acme.QuietSms())
"""

# What each broken plugin must fail; everything not listed must pass (or skip).
EXPECTED_FAILURES = {
    "TestCrashing": {"test_a_failed_login_raises_login_failure"},
    "TestLeaky": {"test_failed_logins_over_http", "test_a_good_login_over_http"},
    "TestTalkative": {"test_a_failed_login_raises_login_failure"},
    "TestStateless": {"test_a_start_answers_or_raises_login_failure"},
    "TestGullible": {"test_callbacks_refuse_bad_signatures_and_replays"},
    "TestGreedy": {"test_registers_with_the_protocol_shape"},
    "TestDishonest": {"test_the_sandbox_flag_is_honest"},
    "TestVanishing": set(),
    "TestVanishingDeclaredPresent": {"test_the_sandbox_flag_is_honest"},
    "TestLeakySms": {"test_answers_have_the_documented_shape_and_write_no_secret"},
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("integrator")
    (folder / "acme_plugins.py").write_text(PLUGINS, encoding="utf-8")
    (folder / "test_acme.py").write_text(SUITES, encoding="utf-8")
    report = folder / "report.xml"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "test_acme.py", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
        cwd=folder, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
    )  # fmt: skip
    assert report.exists(), run.stdout + run.stderr
    found: dict[str, dict[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        name = case.get("name", "").split("[")[0]  # test_x[asyncio]: anyio's backend
        found.setdefault(case.get("classname", "").rsplit(".", 1)[-1], {})[name] = outcome
    return found


def test_an_honest_plugin_passes_every_check(outcomes):
    honest = outcomes["TestHonest"]
    assert honest and all(outcome == "passed" for outcome in honest.values()), honest
    quiet = outcomes["TestQuietSms"]
    assert {name for name, outcome in quiet.items() if outcome in ("failure", "error")} == set(), quiet


@pytest.mark.parametrize("suite", sorted(EXPECTED_FAILURES))
def test_a_broken_plugin_fails_exactly_the_check_it_breaks(outcomes, suite):
    failed = {name for name, outcome in outcomes[suite].items() if outcome in ("failure", "error")}
    assert failed == EXPECTED_FAILURES[suite], outcomes[suite]
