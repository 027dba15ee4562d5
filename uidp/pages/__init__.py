"""The hosted pages' files (issue 12, item 5): Jinja2 templates and the static assets the app serves itself at
``/static/`` (no CDN, no external font: the pages work on an isolated network). Shipped as package data."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PAGES_DIR / "templates"
STATIC_DIR = PAGES_DIR / "static"
