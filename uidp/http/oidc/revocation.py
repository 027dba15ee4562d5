"""``POST /oidc/revoke`` (RFC 7009): an authenticated client revokes one of its tokens; 200 with an empty body
whether or not there was such a token (§2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.domain.oidc import OAuthError
from uidp.http.client import request_client
from uidp.http.oidc.responses import NO_STORE, oauth_error
from uidp.http.oidc.token_form import read_form
from uidp.runtime import Runtime
from uidp.services.oidc.client_auth import authenticate_client
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.revocation import TokenRevocation

REVOKE_PATH = "/oidc/revoke"


async def revoke(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    try:
        form = await read_form(request)
        caller = request_client(request)
        client = await authenticate_client(rt, form, request.headers.get("authorization"), client=caller)
        token = form.get("token", "")
        if not token:
            raise OAuthProblem(OAuthError.INVALID_REQUEST, "token is required")
        await TokenRevocation(rt).revoke(client, token, form.get("token_type_hint"), caller)
    except OAuthProblem as problem:
        return oauth_error(problem)
    return Response(status_code=200, headers=NO_STORE)


ROUTES: list[BaseRoute] = [Route(REVOKE_PATH, revoke, methods=["POST"])]
