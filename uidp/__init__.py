"""uidp, the unified identity authentication platform; plugin authors import from here or :mod:`uidp.plugin_api`.

The plugin API's names are loaded on first use, so ``import uidp.<module>`` stays as cheap as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uidp.plugin_api import *  # noqa: F403


def __getattr__(name: str) -> Any:
    api = importlib.import_module("uidp.plugin_api")
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'uidp' has no attribute {name!r}")
