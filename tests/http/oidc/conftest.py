"""The browser fixtures of tests/browser.py for the OIDC flow's browser test."""

from tests.browser import chromium, live_url  # noqa: F401
