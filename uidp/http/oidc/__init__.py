"""The OpenID provider's HTTP edge (C1). Each module of this package declares ``ROUTES``; :func:`oidc_routes`
collects them, so an endpoint is added by adding its module."""

from __future__ import annotations

import importlib
import pkgutil

from starlette.routing import BaseRoute


def oidc_routes() -> list[BaseRoute]:
    """Every route the modules of this package declare, in module-name order."""
    routes: list[BaseRoute] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        routes.extend(getattr(module, "ROUTES", ()))
    return routes
