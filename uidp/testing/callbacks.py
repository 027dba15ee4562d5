"""The part of every conformance suite that checks a plugin's partner callbacks, and the hooks all suites share.

A plugin with a callback route (an OAuth redirect, a scan confirmation, an asynchronous notice) says how to make
a genuine callback and some forged ones (``callback_case``); the suite sends them to the running app over HTTP:
forged ones and a bare request are refused (4xx) and change nothing the plugin lets it observe, the genuine
one is accepted once, and its replay is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import pytest

from uidp.testing.harness import Kit, SettingsFactory, running


@dataclass(frozen=True)
class CallbackCall:
    """One HTTP request to a plugin route, as the partner would send it."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | str | None = None

    def values(self) -> list[str]:
        return [*self.params.values(), *self.headers.values()]


@dataclass(frozen=True)
class CallbackCase:
    """A genuine callback and forged ones (bad signature, tampered body, stale timestamp ...).

    ``observe`` (optional) reads what a callback may change (a ticket's state, a stored notice); forged calls
    must leave it as it was. ``replay_refused``: the genuine call sent again is refused (leave it True unless
    the partner's protocol makes a repeat harmless and idempotent, and say why in your docs).
    """

    good: CallbackCall
    forged: Sequence[CallbackCall]
    observe: Callable[[Kit], Awaitable[object]] | None = None
    replay_refused: bool = True
    secrets: Sequence[str] = field(default_factory=tuple)


async def send(kit: Kit, call: CallbackCall) -> httpx.Response:
    return await kit.http.request(
        call.method, call.path, params=dict(call.params), headers=dict(call.headers), content=call.content
    )


def refused(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


class CallbackConformance:
    """Hooks shared by the login-method and verifier suites, and the callback check."""

    plugin_env: ClassVar[Mapping[str, str]] = {}  # environment variables the plugin reads (set for each test)
    production_env: ClassVar[Mapping[str, str] | None] = None  # more of them for the production profile
    plugin_settings: ClassVar[Mapping[str, Any]] = {}  # Settings overrides (``Settings.from_env`` keywords)

    @pytest.fixture
    def uidp_plugin(self) -> object:
        """The plugin under test: a module, a dotted module name, an object with ``@hookimpl`` methods, or
        :data:`uidp.testing.INSTALLED` for one installed with an entry point. Override this fixture."""
        raise NotImplementedError(f"{type(self).__name__} must define the uidp_plugin fixture")

    @pytest.fixture(autouse=True)
    def _uidp_plugin_env(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        for name, value in self.plugin_env.items():
            monkeypatch.setenv(name, value)
        yield

    def secrets(self) -> Sequence[str]:
        """Values that must never reach a log line, an event or the audit log (keys, codes, personal data)."""
        return ()

    async def callback_case(self, kit: Kit) -> CallbackCase | None:
        """The plugin's callbacks to try, built against the running app (``kit``); None: it has none."""
        return None

    @pytest.mark.anyio
    async def test_callbacks_refuse_bad_signatures_and_replays(
        self, uidp_settings: SettingsFactory, uidp_plugin: object
    ) -> None:
        if type(self).callback_case is CallbackConformance.callback_case:
            pytest.skip("the plugin has no callback route (callback_case is not given)")
        async with running(uidp_settings, uidp_plugin, **self.plugin_settings) as kit:
            case = await self.callback_case(kit)
            if case is None:
                pytest.skip("the plugin has no callback route")
            paths = {route.path for route in kit.runtime.plugins.routes}
            assert case.good.path in paths, f"{case.good.path} is none of the plugin routes {sorted(paths)}"
            assert case.forged, "callback_case must give at least one forged callback"
            before = await case.observe(kit) if case.observe else None
            for call in [*case.forged, CallbackCall(case.good.method, case.good.path)]:
                response = await send(kit, call)
                assert refused(response), f"a forged callback {call} was answered {response.status_code}"
            if case.observe:
                assert await case.observe(kit) == before, "a forged callback changed something"
            first = await send(kit, case.good)
            assert first.status_code < 400, f"the genuine callback was answered {first.status_code}: {first.text}"
            if case.replay_refused:
                again = await send(kit, case.good)
                assert refused(again), f"a replayed callback was answered {again.status_code}"
            await kit.assert_no_leaks([*self.secrets(), *case.secrets, *case.good.params.values()])
