"""How the OpenID provider's endpoints answer: JSON that is never cached, and OAuth errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from uidp.services.oidc.problems import OAuthProblem

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_json(body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A JSON answer with ``Cache-Control: no-store`` (RFC 6749 §5.1: tokens and anything about them)."""
    return JSONResponse(dict(body), status_code=status, headers={**NO_STORE, **(headers or {})})


def oauth_error(problem: OAuthProblem) -> JSONResponse:
    """The error answer: RFC 6749 §5.2's JSON body, its status, and the problem's headers."""
    return oauth_json(problem.body(), problem.status, problem.headers)
