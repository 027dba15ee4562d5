"""The pages' own stylesheet, scripts and images at ``/static/``: served by the app, never by a CDN."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from uidp.pages import STATIC_DIR

ROUTES: list[BaseRoute] = [Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static")]
