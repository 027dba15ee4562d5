"""``POST /oidc/introspect`` (RFC 7662): an authenticated client asks about one of its tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.domain.oidc import OAuthError
from uidp.http.client import request_client
from uidp.http.oidc.responses import oauth_error, oauth_json
from uidp.http.oidc.token_form import read_form
from uidp.runtime import Runtime
from uidp.services.oidc.client_auth import authenticate_client
from uidp.services.oidc.introspection import Introspection
from uidp.services.oidc.problems import OAuthProblem

INTROSPECT_PATH = "/oidc/introspect"


async def introspect(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    try:
        form = await read_form(request)
        caller = request_client(request)
        client = await authenticate_client(rt, form, request.headers.get("authorization"), client=caller)
        token = form.get("token", "")
        if not token:
            raise OAuthProblem(OAuthError.INVALID_REQUEST, "token is required")
        answer = await Introspection(rt).introspect(client, token, form.get("token_type_hint"))
    except OAuthProblem as problem:
        return oauth_error(problem)
    return oauth_json(answer)


ROUTES: list[BaseRoute] = [Route(INTROSPECT_PATH, introspect, methods=["POST"])]
