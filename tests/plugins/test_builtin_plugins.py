"""The built-in plugins on their own: password login gives assertions, the sandbox gateway fills its outbox."""

from __future__ import annotations

import pytest

from plugins.password import PasswordLogin
from plugins.sandbox import SandboxSmsGateway
from uidp.models.person import Person
from uidp.ports import Assertion, LoginFailure, LoginRequest
from uidp.sandbox_outbox import JsonLinesOutbox
from uidp.services.auth.login import CorePorts
from uidp.services.persons.seeding import seed_persons

pytestmark = pytest.mark.anyio


class CountingPorts(CorePorts):
    """The core's real ports, counting password checks."""

    def __init__(self, rt) -> None:
        super().__init__(rt, "person")
        self.verified: list[str | None] = []

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        self.verified.append(password_hash)
        return await super().verify_password(password, password_hash)


@pytest.fixture
async def ports(rt, settings):
    await seed_persons(settings, 1, "Right#2026pw")
    return CountingPorts(rt)


async def test_password_login_asserts_the_subject(ports):
    assertion = await PasswordLogin().complete(
        LoginRequest({"identifier": "13900000000", "password": "Right#2026pw"}), ports
    )
    person = await Person.get()
    assert assertion == Assertion(provider="password", subject=str(person.id), subject_kind="person")


@pytest.mark.parametrize(("identifier", "password"), [("13900000000", "Wrong#2026pw"), ("13911110000", "x"), ("", "")])
async def test_password_login_fails_and_still_hashes(ports, identifier, password):
    with pytest.raises(LoginFailure):
        await PasswordLogin().complete(LoginRequest({"identifier": identifier, "password": password}), ports)
    assert len(ports.verified) == 1  # an unknown identifier costs one hash as well


async def test_sandbox_gateway_writes_the_outbox(tmp_path):
    outbox = JsonLinesOutbox(tmp_path / "outbox.jsonl")
    gateway = SandboxSmsGateway(outbox)
    assert gateway.sandbox is True
    await gateway.send("15012340058", "验证码123456", purpose="REGISTER")
    await gateway.send("15012340059", "验证码654321", purpose="ACTIVATE")
    assert outbox.read(phone="15012340058")[0]["text"] == "验证码123456"
    assert [m["phone"] for m in outbox.read()] == ["15012340059", "15012340058"]
    assert (tmp_path / "outbox.jsonl").stat().st_mode & 0o777 == 0o600
