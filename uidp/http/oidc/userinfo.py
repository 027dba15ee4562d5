"""``GET`` / ``POST /oidc/userinfo`` (OIDC Core §5.3): the access token in the Authorization header, as
``DPoP <token>`` with a proof (RFC 9449 §7.1) or ``Bearer <token>`` (RFC 6750 §2.1) for bearer tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.http.client import request_client
from uidp.http.oidc.responses import oauth_error, oauth_json
from uidp.runtime import Runtime
from uidp.services.oidc.dpop import DpopProofs
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.userinfo import USERINFO_PATH, UserinfoRequest, UserinfoService


async def userinfo(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    nonce = {"DPoP-Nonce": await DpopProofs(rt).nonce()}
    try:
        claims = await UserinfoService(rt).answer(
            UserinfoRequest(
                request.method,
                request.headers.get("authorization"),
                request.headers.getlist("dpop"),
                request_client(request),
            )
        )
    except OAuthProblem as problem:
        problem.headers = {**nonce, **problem.headers}
        return oauth_error(problem)
    return oauth_json(claims, headers=nonce)


ROUTES: list[BaseRoute] = [Route(USERINFO_PATH, userinfo, methods=["GET", "POST"])]
