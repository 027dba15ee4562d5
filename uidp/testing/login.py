"""The conformance suite of a login method: subclass :class:`LoginMethodConformance` in a test module.

```python
from uidp.testing import LoginMethodConformance
import uidp_kiosk


class TestKioskConformance(LoginMethodConformance):
    method_id = "kiosk"
    sandbox = True

    @pytest.fixture
    def uidp_plugin(self):
        return uidp_kiosk

    def failing_logins(self):
        return [{"code": "K-0000"}]
```

pytest collects every ``test_*`` below into the subclass. Hooks a subclass may override: ``uidp_plugin`` (a
fixture: the module, dotted name or object with ``@hookimpl``\\ s; :data:`INSTALLED` for an entry point),
``failing_logins`` (required), ``good_login``, ``secrets``, ``callback_case``; class attributes
``param_names``, ``plugin_env``, ``production_env``, ``production_sandbox``, ``plugin_settings``.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from uidp.config import ConfigError
from uidp.domain.errors import DomainError
from uidp.events import EventType
from uidp.hookspecs import BuiltinLoginMethod
from uidp.ports import (
    Assertion,
    LoginFailure,
    LoginMethod,
    LoginRequest,
    RedirectStart,
    ScanStart,
    StartableLoginMethod,
    StartRequest,
    Trust,
)
from uidp.testing.callbacks import CallbackConformance
from uidp.testing.harness import (
    COMPLETE_LOGIN,
    LOGIN_METHODS,
    START_LOGIN,
    Kit,
    SettingsFactory,
    StrictPorts,
    build_host,
    leaks,
    login_params,
    production_overrides,
    running,
)

METHOD_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
HOSTILE_VALUES = ("", "A" * 4096, "\x00\u202e\ud800", " 💥' OR '1'='1 ")
OUTCOMES = ("LoginSuccess", "BindingRequired")


@dataclass(frozen=True)
class GoodLogin:
    """What ``completeLogin`` is sent to prove someone, and what it must answer (``LoginSuccess`` or
    ``BindingRequired``). ``secrets``: values of this login that must never be written anywhere."""

    params: Mapping[str, str]
    expect: str = "BindingRequired"
    secrets: Sequence[str] = field(default_factory=tuple)


class LoginMethodConformance(CallbackConformance):
    """Checks a login method against the contract of docs/plugins.md, through the real core."""

    method_id: ClassVar[str] = ""
    sandbox: ClassVar[bool]  # what the method says on the dev profile
    production_sandbox: ClassVar[bool | None] = None  # what it says in production (default: ``sandbox``)
    production_registers: ClassVar[bool] = True  # False: unconfigured in production it registers nothing
    param_names: ClassVar[Sequence[str]] = ()  # the params it reads (default: those of the failing logins)

    # ---- hooks ---------------------------------------------------------------------------------

    def failing_logins(self) -> Sequence[Mapping[str, str]]:
        """Params of logins that prove no one (a wrong code, a forged token ...): at least one."""
        raise NotImplementedError(f"{type(self).__name__} must say how a login fails (failing_logins)")

    async def good_login(self, kit: Kit, state: str | None) -> GoodLogin | None:
        """A login that proves someone (``state``: the started state, for a method with a start); None skips
        that check. Arrange the partner's side here (authorise a code at your simulated partner ...)."""
        return None

    # ---- helpers -------------------------------------------------------------------------------

    def _method(self, make: SettingsFactory, plugin: object, **settings: Any) -> LoginMethod:
        host = build_host(make, plugin, **{**self.plugin_settings, **settings})
        method = host.login_method(self.method_id)
        assert method is not None, f"the plugin registered no login method {self.method_id!r}"
        return method

    def _names(self) -> list[str]:
        names = list(self.param_names)
        for params in self.failing_logins():
            names += [name for name in params if name not in names]
        return names

    def _hostile(self) -> Iterator[Mapping[str, str]]:
        yield {}
        names = self._names()
        for value in HOSTILE_VALUES:
            for name in names:
                yield {name: value}
            yield dict.fromkeys(names, value)
        for params in self.failing_logins():
            yield {**params, "unexpected": "x" * 64}

    async def _request(self, method: LoginMethod, params: Mapping[str, str]) -> LoginRequest:
        if not isinstance(method, StartableLoginMethod):
            return LoginRequest(dict(params))
        state = "conformance-" + "s" * 32
        step = await method.start(StartRequest(state, {}, datetime.now(UTC)))
        return LoginRequest(dict(params), state=state, kept=dict(step.keep))

    def _all_secrets(self, *extra: str) -> list[str]:
        values = [v for params in self.failing_logins() for v in params.values()]
        return [*values, *self.secrets(), *extra]

    async def _started_state(self, kit: Kit, method: LoginMethod) -> str | None:
        if not isinstance(method, StartableLoginMethod):
            return None
        started = (await kit.graphql(START_LOGIN, {"i": {"method": self.method_id, "params": []}}))["startLogin"]
        assert started["__typename"] in ("LoginRedirect", "LoginScanTicket"), f"startLogin answered {started}"
        return str(started.get("state") or started.get("ticket"))

    async def _complete(self, kit: Kit, state: str | None, params: Mapping[str, str]) -> dict[str, Any]:
        variables = {"i": {"method": self.method_id, "state": state, "params": login_params(params)}}
        answer: dict[str, Any] = (await kit.graphql(COMPLETE_LOGIN, variables))["completeLogin"]
        return answer

    # ---- the protocol --------------------------------------------------------------------------

    def test_registers_with_the_protocol_shape(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        method = self._method(uidp_settings, uidp_plugin)
        assert isinstance(method, LoginMethod)
        assert METHOD_ID.fullmatch(method.id), f"id {method.id!r}: 1-32 of a-z 0-9 _ -, starting with a letter"
        assert method.id == self.method_id
        assert isinstance(method.label, str) and method.label.strip() == method.label and method.label
        assert type(method.sandbox) is bool, f"sandbox must be True or False, not {method.sandbox!r}"
        assert inspect.iscoroutinefunction(method.complete), "complete must be async"
        if hasattr(method, "start"):
            assert inspect.iscoroutinefunction(method.start), "start must be async"
        trust: object = getattr(method, "trust", frozenset())
        assert isinstance(trust, (set, frozenset)), "trust must be a set of Trust"
        assert all(item in Trust.__members__.values() for item in trust), f"unknown trust in {trust!r}"
        if method.id != BuiltinLoginMethod.PASSWORD:
            assert Trust.ACCOUNT not in trust, "Trust.ACCOUNT opens any account id asserted: the password method's only"
        assert self.failing_logins(), "failing_logins must name at least one login that proves no one"

    @pytest.mark.anyio
    async def test_is_offered_by_login_methods(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        async with running(uidp_settings, uidp_plugin, **self.plugin_settings) as kit:
            method = kit.runtime.plugins.login_method(self.method_id)
            listed = {m["id"]: m for m in (await kit.graphql(LOGIN_METHODS))["loginMethods"]}
        assert self.method_id in listed, f"loginMethods does not offer {self.method_id!r}"
        offered = listed[self.method_id]
        assert (offered["label"], offered["sandbox"]) == (method.label, method.sandbox)
        assert offered["starts"] == isinstance(method, StartableLoginMethod)

    # ---- failures ------------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_a_failed_login_raises_login_failure(
        self, uidp_settings: SettingsFactory, uidp_plugin: object
    ) -> None:
        """Every request that proves no one, hostile ones included, raises LoginFailure (or a typed
        DomainError), never another exception, and names no secret in its message."""
        method = self._method(uidp_settings, uidp_plugin)
        secrets_ = self._all_secrets()
        for params in [*self.failing_logins(), *self._hostile()]:
            ports = StrictPorts()
            try:
                outcome = await method.complete(await self._request(method, params), ports)
            except (LoginFailure, DomainError) as error:
                found = leaks(secrets_, [repr(error), str(getattr(error, "message", ""))])
                assert not found, f"the failure names a secret: {found}"
                continue
            raise AssertionError(f"complete({_short(params)}) proved {outcome!r} instead of raising LoginFailure")

    @pytest.mark.anyio
    async def test_a_start_answers_or_raises_login_failure(
        self, uidp_settings: SettingsFactory, uidp_plugin: object
    ) -> None:
        method = self._method(uidp_settings, uidp_plugin)
        if not isinstance(method, StartableLoginMethod):
            pytest.skip("the method has no start")
        state = "conformance-" + "t" * 32
        step = await method.start(StartRequest(state, {}, datetime.now(UTC)))
        assert isinstance(step, (RedirectStart, ScanStart)), f"start returned {step!r}"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in step.keep.items())
        if isinstance(step, RedirectStart):
            assert state in step.url, "the redirect must carry the core's state to the partner"
            # the partner over HTTPS, a local one on the dev machine, or a page of our own (a sandbox's)
            same_origin = step.url.startswith("/") and not step.url.startswith("//")
            assert same_origin or step.url.startswith(("https://", "http://localhost", "http://127.0.0.1")), step.url
        else:
            assert step.qr_payload and isinstance(step.qr_payload, str)
        for params in self._hostile():
            with contextlib.suppress(LoginFailure):  # a start may refuse hostile params, with LoginFailure only
                await method.start(StartRequest(state, params, datetime.now(UTC)))

    @pytest.mark.anyio
    async def test_failed_logins_over_http(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        """completeLogin answers LoginFailed (or a typed error), records login.failed, writes no secret."""
        async with running(uidp_settings, uidp_plugin, **self.plugin_settings) as kit:
            method = kit.runtime.plugins.login_method(self.method_id)
            for params in self.failing_logins():
                before = len(kit.events.of(EventType.LOGIN_FAILED))
                answer = await self._complete(kit, await self._started_state(kit, method), params)
                assert answer["__typename"] not in OUTCOMES, f"a failing login {_short(params)} got in: {answer}"
                assert answer.get("code") != "INTERNAL", answer
                if answer["__typename"] == "LoginFailed":
                    failed = kit.events.of(EventType.LOGIN_FAILED)[before:]
                    assert failed, "a failed login must record login.failed"
                assert not leaks(self._all_secrets(), [repr(answer)]), f"the answer repeats a secret: {answer}"
            await kit.assert_no_leaks(self._all_secrets())

    @pytest.mark.anyio
    async def test_a_started_state_is_single_use(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        async with running(uidp_settings, uidp_plugin, **self.plugin_settings) as kit:
            method = kit.runtime.plugins.login_method(self.method_id)
            if not isinstance(method, StartableLoginMethod):
                pytest.skip("the method has no start: the core counts its completions per address")
            state = await self._started_state(kit, method)
            params = self.failing_logins()[0]
            first = await self._complete(kit, state, params)
            again = await self._complete(kit, state, params)
            forged = await self._complete(kit, "forged-" + "x" * 32, params)
        assert first["__typename"] not in OUTCOMES
        assert again.get("code") == "LOGIN_STATE_INVALID", again
        assert forged.get("code") == "LOGIN_STATE_INVALID", forged

    # ---- success -------------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_a_good_login_over_http(self, uidp_settings: SettingsFactory, uidp_plugin: object) -> None:
        async with running(uidp_settings, uidp_plugin, **self.plugin_settings) as kit:
            method = kit.runtime.plugins.login_method(self.method_id)
            state = await self._started_state(kit, method)
            good = await self.good_login(kit, state)
            if good is None:
                pytest.skip("good_login gives no login that proves someone")
            assert good.expect in OUTCOMES, f"expect is one of {OUTCOMES}"
            answer = await self._complete(kit, state, good.params)
            assert answer["__typename"] == good.expect, answer
            succeeded = kit.events.of(EventType.LOGIN_SUCCEEDED if good.expect == "LoginSuccess"
                                      else EventType.LOGIN_BINDING_REQUIRED)  # fmt: skip
            assert any(event.details.get("method") == self.method_id for event in succeeded), succeeded
            if state is not None:
                replayed = await self._complete(kit, state, good.params)
                assert replayed.get("code") == "LOGIN_STATE_INVALID", f"a replayed completion got {replayed}"
            await kit.assert_no_leaks([*self._all_secrets(), *good.params.values(), *good.secrets])

    # ---- sandbox -------------------------------------------------------------------------------

    def test_the_sandbox_flag_is_honest(
        self, uidp_settings: SettingsFactory, uidp_plugin: object, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The flag is the one declared, on the dev profile and in production; production refuses a sandbox
        method in one line naming it, and starts with a real one."""
        dev = self._method(uidp_settings, uidp_plugin)
        assert dev.sandbox is self.sandbox, f"on the dev profile the method says sandbox={dev.sandbox}"
        expected = self.sandbox if self.production_sandbox is None else self.production_sandbox
        for name, value in self.production_env.items() if self.production_env is not None else ():
            monkeypatch.setenv(name, value)
        host = build_host(uidp_settings, uidp_plugin, **{**self.plugin_settings, **production_overrides()})
        method = host.login_method(self.method_id)
        if not self.production_registers:  # a sandbox that vanishes in production: nothing there to refuse
            assert method is None, "production_registers = False, yet production registered the method"
            assert f"login:{self.method_id}" not in host.sandbox_parts()
            return
        assert method is not None and method.sandbox is expected, f"in production: sandbox={method and method.sandbox}"
        assert (f"login:{self.method_id}" in host.sandbox_parts()) is expected
        with pytest.raises(ConfigError) as refused:  # plugins.sandbox's SMS gateway is refused too
            host.check_production()
        assert "\n" not in str(refused.value)
        assert (f"login:{self.method_id}" in str(refused.value)) is expected, str(refused.value)


def _short(params: Mapping[str, str]) -> str:
    return repr({k: (v if len(v) < 40 else v[:20] + "...") for k, v in params.items()})


__all__ = ["Assertion", "GoodLogin", "LoginMethodConformance"]
