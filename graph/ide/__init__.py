"""The dev profile's GraphiQL page, served with its own files (decision 104).

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from a public CDN, so on a machine
without internet it shows only "Loading...". Here the same page points at ``/graphql/ide/...`` instead, and
those routes serve the very files (same package, version and path) from ``graph/ide/assets/``, which
``python -m graph.ide.fetch`` (run by ``make venv``) fills from the npm registry. The page keeps Strawberry's
``integrity`` hashes, so the browser itself checks that each local file is the one Strawberry pinned.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry.http.ides import get_graphql_ide_html

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
PREFIX = "/graphql/ide"
CDN = "https://unpkg.com/"
_REFERENCE = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.-]+)/(?P<file>[^"]+)"'
    r'\s+integrity="(?P<integrity>sha384-[A-Za-z0-9+/=]+)"'
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
MISSING = """<!doctype html>
<html><head><meta charset="utf-8"><title>GraphiQL</title></head><body>
<p>GraphiQL's files are not installed on this machine: run <code>make venv</code> (it fetches them with npm)
or <code>.venv/bin/python -m graph.ide.fetch</code>, then reload. Missing: {missing}</p>
</body></html>
"""


@dataclass(frozen=True)
class Asset:
    """One file the page loads: an npm package's file at an exact version, and its SRI hash."""

    package: str
    version: str
    file: str
    integrity: str

    @property
    def release(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def path(self) -> str:
        return f"{self.release}/{self.file}"

    def matches(self, content: bytes) -> bool:
        return self.integrity == "sha384-" + b64encode(hashlib.sha384(content).digest()).decode()


def strawberry_page() -> str:
    return get_graphql_ide_html(graphql_ide="graphiql")


@cache
def assets() -> tuple[Asset, ...]:
    """The files Strawberry's GraphiQL page loads from the CDN, as it pins them."""
    return tuple(Asset(**match.groupdict()) for match in _REFERENCE.finditer(strawberry_page()))


def missing_assets(folder: Path = ASSETS_DIR) -> list[str]:
    return [asset.path for asset in assets() if not (folder / asset.path).is_file()]


@cache
def page() -> str:
    """Strawberry's page with every CDN reference pointing at our own routes."""
    html = strawberry_page()
    if CDN in _REFERENCE.sub("", html) or not assets():
        raise RuntimeError("Strawberry's GraphiQL page changed: a CDN reference graph.ide does not know")
    return html.replace(CDN, f"{PREFIX}/")


@cache
def content_security_policy() -> str:
    """Only this origin's files and the page's own inline script (by hash); styles may be inline (GraphiQL
    and CodeMirror set them); the fetcher and its WebSocket talk to this origin only."""
    hashes = " ".join(
        "'sha256-" + b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page())
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def ide_response() -> HTMLResponse:
    """The page with its policy, or, when files are missing, a page that says how to install them."""
    if missing := missing_assets():
        return HTMLResponse(
            MISSING.format(missing=", ".join(missing)), headers={"content-security-policy": "default-src 'none'"}
        )
    return HTMLResponse(page(), headers={"content-security-policy": content_security_policy()})


async def asset_file(request: Request) -> Response:
    """One of the listed files, nothing else (no directory listing, no path outside the folder)."""
    wanted = request.path_params["path"]
    known = {asset.path for asset in assets()}
    path = ASSETS_DIR / wanted
    if wanted not in known or not path.is_file():
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"))


def ide_routes(enabled: bool) -> list[BaseRoute]:
    return [Route(f"{PREFIX}/{{path:path}}", asset_file, methods=["GET"])] if enabled else []
