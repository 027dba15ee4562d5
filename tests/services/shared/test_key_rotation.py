"""`uidp keys rotate-pii`: every sealed value moves to the new key while persons keep logging in; an interrupted
run resumes; at no moment is a row readable by neither key."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.support import PASSWORD
from uidp.security.cipher import PiiCipher
from uidp.services.shared.key_rotation import PiiRotation
from uidp.services.shared.sealed_columns import SEALED_COLUMNS

pytestmark = pytest.mark.anyio

PHONES = ("15012340058", "15012340059", "15012340060")


def _keyring(rt, *extra: tuple[str, bytes]) -> PiiCipher:
    """The runtime's keys with ``extra`` first (the new active key), as a worker started with them would hold."""
    keys = dict(extra)
    keys.update(rt.cipher._keys)
    return PiiCipher(keys, next(iter(keys)), rt.settings.pii_algorithm)


async def _sealed_values() -> list[tuple[str, object, str, str]]:
    """(label, row id, context, token) of every sealed value in the database."""
    found = []
    for column in SEALED_COLUMNS:
        pk = column.model._meta.pk_attr
        for row in await column.model.filter(**{f"{column.field}__isnull": False}):
            found.append((column.field, getattr(row, pk), column.context(row), getattr(row, column.field)))
    return found


async def _register_all(api):
    for seq, phone in zip(("121", "122", "123"), PHONES, strict=True):
        from tests.support import resident_id

        form = api.id_card_form(phone=phone, certificateNumber=resident_id(seq=seq))
        assert (await api.register(form))["__typename"] == "PersonRegistered"


async def test_rotation_while_persons_log_in(api, rt):
    await _register_all(api)
    old_ids = {token.split(".")[2] for *_, token in await _sealed_values()}
    new_key = ("k2027", secrets.token_bytes(32 if rt.settings.pii_algorithm == "aes-256-gcm" else 16))
    rt.cipher = _keyring(rt, new_key)  # the workers restarted with UIDP_PII_KEYS=k2027:...,<old keys>
    logins: list[str] = []
    rotating = True

    async def keep_logging_in() -> None:
        while rotating:
            for phone in PHONES:
                logins.append((await api.login(phone, PASSWORD))["__typename"])

    traffic = asyncio.create_task(keep_logging_in())
    progress: list[str] = []
    report = await PiiRotation(rt.cipher, batch=1, progress=progress.append).run()
    rotating = False
    await traffic
    assert logins and set(logins) == {"LoginSuccess"}, logins
    assert report.done and report.rotated["person.name_enc"] == len(PHONES), report.lines()
    assert any(line.startswith("person.phone_enc: ") for line in progress)
    values = await _sealed_values()
    assert values and {token.split(".")[2] for *_, token in values} == {"k2027"} != old_ids

    rt.cipher = PiiCipher(dict([new_key]), "k2027", rt.settings.pii_algorithm)  # the old key removed
    for phone in PHONES:
        answer = await api.login(phone, PASSWORD)
        assert answer["__typename"] == "LoginSuccess" and answer["viewer"]["maskedPhone"].startswith(phone[:3])
    again = await PiiRotation(rt.cipher).run()
    assert again.done and not any(again.rotated.values())  # nothing left: a rerun is a no-op


class Interrupted(Exception):
    pass


async def test_an_interrupted_rotation_resumes_and_no_row_is_ever_unreadable(api, rt):
    await _register_all(api)
    new_key = ("k2027", secrets.token_bytes(32 if rt.settings.pii_algorithm == "aes-256-gcm" else 16))
    both = _keyring(rt, new_key)
    batches = 0

    def stop_after_two(line: str) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Interrupted  # the process was killed half-way

    with pytest.raises(Interrupted):
        await PiiRotation(both, batch=1, progress=stop_after_two).run()
    halfway = await _sealed_values()
    key_ids = {token.split(".")[2] for *_, token in halfway}
    assert "k2027" in key_ids and len(key_ids) == 2  # some rows moved, some not yet
    for _label, row_id, context, token in halfway:  # every row opens with the keyring of the dual period
        assert both.decrypt(token, context=context, row=str(row_id))

    report = await PiiRotation(both, batch=1).run()
    assert report.done
    only_new = PiiCipher(dict([new_key]), "k2027", rt.settings.pii_algorithm)
    for _label, row_id, context, token in await _sealed_values():
        assert only_new.decrypt(token, context=context, row=str(row_id))


async def test_a_value_no_key_opens_is_reported_and_kept(api, rt):
    from uidp.models.person import Person

    await _register_all(api)
    person = await Person.first()
    lost = PiiCipher({"gone": secrets.token_bytes(32)}, "gone", "aes-256-gcm")
    stray = lost.encrypt("x", context="person.name", row=str(person.id))
    await Person.filter(id=person.id).update(name_enc=stray)
    report = await PiiRotation(_keyring(rt, ("k2027", secrets.token_bytes(32)))).run()
    assert not report.done and report.unreadable["person.name_enc"] == [str(person.id)]
    assert (await Person.get(id=person.id)).name_enc == stray  # never overwritten or dropped
