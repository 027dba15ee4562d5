"""The browser fixtures of tests/browser.py for every page test in this folder."""

from tests.browser import chromium, live_url  # noqa: F401
