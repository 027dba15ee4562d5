"""``POST /oidc/token`` (RFC 6749 §3.2): the form, the client's Authorization header and its DPoP proof go to
:class:`~uidp.services.oidc.tokens.TokenService`; the answer is never cached. A fresh ``DPoP-Nonce`` rides on
every answer, so a client learns the nonce it needs here, at userinfo, before its next proof (RFC 9449 §8.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.http.client import request_client
from uidp.http.oidc.responses import oauth_error, oauth_json
from uidp.http.oidc.token_form import read_form
from uidp.runtime import Runtime
from uidp.services.oidc.dpop import DpopProofs, single_proof
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.tokens import TOKEN_PATH, TokenRequest, TokenService


async def token(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    nonce = {"DPoP-Nonce": await DpopProofs(rt).nonce()}
    try:
        form = await read_form(request)
        proof = single_proof(request.headers.getlist("dpop"))
        answer = await TokenService(rt).exchange(
            TokenRequest(form, request.headers.get("authorization"), proof, request_client(request))
        )
    except OAuthProblem as problem:
        problem.headers = {**nonce, **problem.headers}
        return oauth_error(problem)
    return oauth_json(answer, headers=nonce)


ROUTES: list[BaseRoute] = [Route(TOKEN_PATH, token, methods=["POST"])]
