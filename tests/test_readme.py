"""The README stays true: its settings table lists every setting, and its two set-up commands exist."""

from __future__ import annotations

from pathlib import Path

from uidp.config import settings_docs

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in settings_docs():
        assert f"| `{doc.env}` | {doc.default} | {doc.meaning} |" in readme, doc.env


def test_setup_commands_exist():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("serve", "test"):
        assert f"\n{target}: " in makefile
        assert f"make {target}" in readme
