import anyio

from uidp.services.oidc.codes import AuthorizationCodes, CodeGrant, code_digest

GRANT = CodeGrant(
    client_id="6f1c2b9e-0000-4000-8000-000000000001",
    redirect_uri="https://rp.example.gov.cn/callback",
    code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    subject_kind="person",
    subject_id="6f1c2b9e-0000-4000-8000-000000000002",
    acr="urn:uidp:level:2",
    auth_time=1_790_000_000,
    scopes=["openid", "profile"],
    amr=["password", "pwd"],
    nonce="n-1",
    dpop_jkt="UyHdGaIluYjsudoIxA00NJbcRmGKw74L_9AFEw0oU1g",
)


async def test_a_code_gives_back_its_grant_once(rt):
    codes = AuthorizationCodes(rt)
    code = await codes.issue(GRANT)
    assert len(code) >= 43 and code_digest(code) != code
    assert await codes.take(code) == GRANT
    assert await codes.take(code) is None
    assert await codes.take("not-a-code") is None and await codes.take("") is None


async def test_of_concurrent_exchanges_exactly_one_gets_the_code(rt):
    codes = AuthorizationCodes(rt)
    code = await codes.issue(GRANT)
    results: list[CodeGrant | None] = []

    async def exchange() -> None:
        results.append(await codes.take(code))

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(exchange)
    assert sum(result is not None for result in results) == 1


async def test_a_code_dies_after_sixty_seconds(rt, clock):
    codes = AuthorizationCodes(rt)
    code = await codes.issue(GRANT)
    clock.advance(61)
    assert await codes.take(code) is None
