"""``POST /oidc/par`` (RFC 9126): a connected system, authenticated as at the token endpoint, pushes its
authorization request and gets a ``request_uri`` for the browser (201 ``{request_uri, expires_in}``).

Order: the form (body only, each parameter once), the client (``private_key_jwt`` or ``client_secret_basic``),
an optional DPoP proof for ``POST <issuer>/oidc/par`` whose key binds the tokens (RFC 9449 §10), then the
request itself (``uidp.services.oidc.requests``: the same validator as the query of /oidc/authorize). Errors are
OAuth JSON (RFC 9126 §2.3): 400 ``invalid_request`` / ``invalid_scope`` / ..., 401 ``invalid_client`` and
``invalid_dpop_proof``, 400 ``use_dpop_nonce`` with a fresh ``DPoP-Nonce``; nothing is kept on any of them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from uidp.http.client import request_client
from uidp.http.oidc.responses import oauth_error, oauth_json
from uidp.http.oidc.token_form import read_form
from uidp.runtime import Runtime
from uidp.services.oidc.client_auth import authenticate_client
from uidp.services.oidc.dpop import DpopProofs, single_proof
from uidp.services.oidc.par import PushedRequests
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.oidc.requests import parameters

PAR_PATH = "/oidc/par"
# Client authentication, not part of the authorization request.
AUTH_FIELDS = frozenset({"client_assertion", "client_assertion_type", "client_secret"})


async def push(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    proofs = DpopProofs(rt)
    nonce = {"DPoP-Nonce": await proofs.nonce()}
    try:
        form = await read_form(request)
        caller = request_client(request)
        client = await authenticate_client(rt, form, request.headers.get("authorization"), client=caller)
        proof = single_proof(request.headers.getlist("dpop"))
        jkt = None
        if proof is not None:
            jkt = await proofs.verify(proof, method="POST", url=rt.settings.oidc_url(PAR_PATH))
        params = parameters((name, value) for name, value in form.items() if name not in AUTH_FIELDS)
        pushed = await PushedRequests(rt).push(client, params, proof_jkt=jkt, client_info=caller)
    except OAuthProblem as problem:
        problem.headers = {**nonce, **problem.headers}
        return oauth_error(problem)
    return oauth_json({"request_uri": pushed.request_uri, "expires_in": pushed.expires_in}, 201, nonce)


ROUTES: list[BaseRoute] = [Route(PAR_PATH, push, methods=["POST"])]
