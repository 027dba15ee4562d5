"""Simple fixed-window limits per client address for endpoints that could be used to enumerate."""

from __future__ import annotations

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.services.principal import ClientInfo


async def limit_per_client(rt: Runtime, action: str, client: ClientInfo, *, per_hour: int) -> None:
    """Raise RATE_LIMITED once a client address used ``action`` more than ``per_hour`` times this hour."""
    key = f"limit:{action}:{rt.blind.digest('client', client.address)}"
    count = await rt.store.incr(key, 3600)
    if count > per_hour:
        left = int(await rt.store.ttl(key) or 3600)
        raise DomainError(ErrorCode.RATE_LIMITED, "操作过于频繁，请稍后再试", None, retry_after=left)
