"""X1 at the service level: PNG, single use, expiry, case-insensitive answers."""

from __future__ import annotations

import asyncio

import pytest

from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.captcha import CaptchaService

pytestmark = pytest.mark.anyio


async def test_png_and_case_insensitive_single_use(rt):
    service = CaptchaService(rt)
    issued = await service.issue()
    assert issued.png.startswith(b"\x89PNG")
    answer = service.peek(issued.id)
    await service.verify(issued.id, answer.lower())
    with pytest.raises(DomainError) as reused:
        await service.verify(issued.id, answer)
    assert reused.value.code == ErrorCode.CAPTCHA_INVALID


async def test_wrong_answer_burns_the_captcha(rt):
    service = CaptchaService(rt)
    issued = await service.issue()
    with pytest.raises(DomainError):
        await service.verify(issued.id, "????")
    with pytest.raises(DomainError) as again:
        await service.verify(issued.id, service.peek(issued.id))
    assert again.value.code == ErrorCode.CAPTCHA_INVALID


async def test_expiry(rt, clock):
    rt.settings.captcha_ttl_seconds = 1
    service = CaptchaService(rt)
    issued = await service.issue()
    clock.advance(1.2)
    await asyncio.sleep(1.2)
    with pytest.raises(DomainError) as expired:
        await service.verify(issued.id, service.peek(issued.id))
    assert expired.value.code == ErrorCode.CAPTCHA_INVALID


async def test_missing_answer(rt):
    with pytest.raises(DomainError) as missing:
        await CaptchaService(rt).verify(None, None)
    assert (missing.value.code, missing.value.field) == (ErrorCode.CAPTCHA_REQUIRED, "captchaAnswer")


async def test_answers_are_not_kept_in_clear(rt):
    service = CaptchaService(rt)
    issued = await service.issue()
    stored = await rt.store.get(f"captcha:{issued.id}")
    assert stored and service.peek(issued.id) not in stored


async def test_no_peek_outside_dev(make_settings, clock):
    from uidp.runtime import Runtime

    rt = Runtime.build(make_settings(dev_peek=False), clock=clock)
    try:
        issued = await CaptchaService(rt).issue()
        assert CaptchaService(rt).peek(issued.id) is None
    finally:
        await rt.close()
