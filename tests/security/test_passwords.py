"""PasswordHasher: pepper, NFC, long passwords, dummy verify, rehash, worker thread."""

from __future__ import annotations

import anyio
import bcrypt
import pytest

from uidp.security.passwords import PasswordHasher

PEPPER = b"p" * 32


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(PEPPER, rounds=4)


@pytest.mark.anyio
async def test_hash_and_verify(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("Abc123!@#")
    assert hashed.startswith("$2b$04$") and len(hashed) == 60
    assert "Abc123" not in hashed
    assert await hasher.verify("Abc123!@#", hashed)
    assert not await hasher.verify("Abc123!@$", hashed)
    assert await hasher.hash("Abc123!@#") != hashed  # salted


@pytest.mark.anyio
async def test_pepper_is_applied(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("Abc123!@#")
    assert not bcrypt.checkpw(b"Abc123!@#", hashed.encode())
    assert not await PasswordHasher(b"q" * 32, rounds=4).verify("Abc123!@#", hashed)


@pytest.mark.anyio
async def test_long_passwords_beyond_72_bytes(hasher: PasswordHasher) -> None:
    base = "密" * 30  # 90 UTF-8 bytes
    hashed = await hasher.hash(base + "a")
    assert await hasher.verify(base + "a", hashed)
    assert not await hasher.verify(base + "b", hashed)  # the tail still counts


@pytest.mark.anyio
async def test_nfc_equivalence(hasher: PasswordHasher) -> None:
    composed, decomposed = "Caf\u00e9-2024!", "Cafe\u0301-2024!"
    assert composed != decomposed
    hashed = await hasher.hash(composed)
    assert await hasher.verify(decomposed, hashed)
    assert await hasher.verify(composed, await hasher.hash(decomposed))


@pytest.mark.anyio
@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$2b$04$short"])
async def test_missing_or_malformed_hash_is_false(hasher: PasswordHasher, stored: str | None) -> None:
    assert not await hasher.verify("anything", stored)
    assert hasher._dummy_hash is not None
    assert hasher._dummy_hash.startswith(b"$2b$04$")  # same cost as real hashes


@pytest.mark.anyio
async def test_dummy_verify_costs_one_hash() -> None:
    hasher = PasswordHasher(PEPPER, rounds=10)
    await hasher.warm_up()
    real = await hasher.hash("Abc123!@#")
    start = anyio.current_time()
    await hasher.verify("wrong", real)
    known = anyio.current_time() - start
    start = anyio.current_time()
    await hasher.verify("wrong", None)
    unknown = anyio.current_time() - start
    assert unknown > known / 3  # a real bcrypt check ran, not an early return


def test_needs_rehash() -> None:
    low = PasswordHasher(PEPPER, rounds=4)
    hashed = low.hash_sync("Abc123!@#")
    assert not low.needs_rehash(hashed)
    assert PasswordHasher(PEPPER, rounds=5).needs_rehash(hashed)
    assert low.needs_rehash("garbage")
    assert low.verify_sync("Abc123!@#", hashed)


@pytest.mark.anyio
async def test_hashing_does_not_block_the_event_loop() -> None:
    hasher = PasswordHasher(PEPPER, rounds=10)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.005)
            ticks += 1

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        await hasher.hash("Abc123!@#")
        tg.cancel_scope.cancel()
    assert ticks >= 2


@pytest.mark.parametrize(("pepper", "rounds"), [(b"", 4), ("str", 4), (PEPPER, 3), (PEPPER, 32)])
def test_construction_validates(pepper: bytes, rounds: int) -> None:
    with pytest.raises(ValueError):
        PasswordHasher(pepper, rounds=rounds)
