"""The hosted pages' HTTP edge (issue 12, item 5). Each module of this package declares ``ROUTES``;
:func:`page_routes` collects them, so a page is added by adding its module (as ``uidp.http.oidc`` collects the
OpenID provider's endpoints)."""

from __future__ import annotations

import importlib
import pkgutil

from starlette.routing import BaseRoute


def page_routes() -> list[BaseRoute]:
    """Every route the modules of this package declare, in module-name order."""
    modules = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return [route for name in modules for route in getattr(importlib.import_module(f"{__name__}.{name}"), "ROUTES", ())]
