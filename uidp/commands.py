"""The ``uidp`` command line's plugin side: its parser class and the :class:`~uidp.hookspecs.CommandLine` that
``register_commands`` hooks receive."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from uidp.config import Settings
from uidp.hookspecs import CommandLine, CommandRun, PluginError
from uidp.plugin_host import call, implementations, load_plugins


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose values may start with ``-`` when it is built with ``dash_values=True``.

    argparse takes any argument starting with ``-`` for an option, so a base64url challenge such as
    ``-Xq3...`` (about one in 64) could not be given to ``uidp ca sign``. With ``dash_values`` only the
    command's own option names (``--key``, ``--key=...``, ``-h``) are options; everything else is a value.
    Abbreviated option names are off for such a command, so that rule has no exceptions.
    """

    def __init__(self, *args: Any, dash_values: bool = False, **kwargs: Any) -> None:
        if dash_values:
            kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)
        self.dash_values = dash_values

    def _parse_optional(self, arg_string: str) -> Any:
        if (
            self.dash_values
            and arg_string.startswith("-")
            and arg_string != "--"
            and arg_string.split("=", 1)[0] not in self._option_string_actions
        ):
            return None  # a value (positional, or the argument of the option before it)
        return super()._parse_optional(arg_string)


class PluginCommands:
    """What ``register_commands`` receives: adds plugin commands to one level of ``uidp``'s subcommands."""

    def __init__(
        self, subparsers: argparse._SubParsersAction[Any], settings: Callable[[], Settings], prefix: str = "uidp"
    ) -> None:
        self._subparsers = subparsers
        self._settings = settings
        self._prefix = prefix

    def _free(self, name: str) -> None:
        if name in self._subparsers.choices:
            raise PluginError(f"the command '{self._prefix} {name}' is registered twice")

    def add_command(
        self, name: str, *, help: str, run: CommandRun, dash_values: bool = False
    ) -> argparse.ArgumentParser:
        self._free(name)
        parser: argparse.ArgumentParser = self._subparsers.add_parser(name, help=help, dash_values=dash_values)
        parser.set_defaults(func=run)
        return parser

    def add_group(self, name: str, *, help: str) -> CommandLine:
        self._free(name)
        group = self._subparsers.add_parser(name, help=help)
        subparsers = group.add_subparsers(dest=f"{name}_command", required=True)
        return PluginCommands(subparsers, self._settings, f"{self._prefix} {name}")

    def settings(self) -> Settings:
        return self._settings()


def names_from_env(variable: str) -> list[str]:
    """A comma list from the environment, read as ``Settings`` reads it (the plugins to load, to leave out)."""
    return [item.strip() for item in os.environ.get(variable, "").split(",") if item.strip()]


def add_plugin_commands(subparsers: argparse._SubParsersAction[Any], settings: Callable[[], Settings]) -> None:
    """Load the plugins that ``UIDP_PLUGINS`` / ``UIDP_DISABLED_PLUGINS`` name (settings are not read yet, so
    ``uidp settings`` works while one is wrong) and let each add its commands."""
    pm = load_plugins(names_from_env("UIDP_PLUGINS"), names_from_env("UIDP_DISABLED_PLUGINS"))
    cli = PluginCommands(subparsers, settings)
    for impl in implementations(pm, "register_commands"):
        call(impl, cli=cli)
