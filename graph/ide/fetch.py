"""Fetch GraphiQL's files for the dev IDE page from the npm registry: ``python -m graph.ide.fetch``.

``make venv`` runs it. It asks ``npm pack`` for each package at the version Strawberry's page pins (no
dependencies are installed: the page loads self-contained bundles), checks each file against the page's
``integrity`` hash, and writes it with the package's licence under ``graph/ide/assets/<package>@<version>/``.
Files already there and intact are kept, so a second run needs no network. Without npm it says so and
exits 0: only the dev IDE page needs the files, and it says how to get them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from graph.ide import ASSETS_DIR, Asset, assets

LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license")


def _intact(folder: Path, asset: Asset) -> bool:
    path = folder / asset.path
    return path.is_file() and asset.matches(path.read_bytes()) and (folder / asset.release / "LICENSE").is_file()


def _tarball(package: str, version: str) -> str:
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"


def _member(tar: tarfile.TarFile, name: str) -> bytes | None:
    try:
        extracted = tar.extractfile(f"package/{name}")
    except KeyError:
        return None
    return extracted.read() if extracted else None


def _licence(tar: tarfile.TarFile, package: str, version: str, fallback: bytes | None) -> bytes:
    for name in LICENCE_NAMES:
        if (text := _member(tar, name)) is not None:
            return text
    manifest = json.loads(_member(tar, "package.json") or b"{}")
    declared = manifest.get("license", "not declared")
    repository = manifest.get("repository", {})
    url = repository.get("url", "") if isinstance(repository, dict) else str(repository)
    if fallback is None or declared != "MIT" or not url.rstrip("/").endswith("github.com/graphql/graphiql"):
        raise SystemExit(f"{package}@{version} ships no licence file, and graphiql's does not cover it")
    note = (
        f"{package}@{version} ships no licence file in its npm package; its package.json declares the licence "
        f'"{declared}". It is developed in the graphql/graphiql repository, whose MIT licence (as shipped with '
        "graphiql) follows.\n\n"
    )
    return note.encode() + fallback


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)


def fetch(folder: Path = ASSETS_DIR) -> int:
    wanted = [asset for asset in assets() if not _intact(folder, asset)]
    if not wanted:
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("graph.ide.fetch: npm not found; the dev GraphiQL page will ask for its files", file=sys.stderr)
        return 0
    packages = sorted({(asset.package, asset.version) for asset in assets()}, key=lambda p: p[0] != "graphiql")
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{package}@{version}" for package, version in packages]
        subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, *specs], check=True, stdout=subprocess.DEVNULL
        )
        graphiql_licence: bytes | None = None
        for package, version in packages:  # graphiql first: its licence covers its repository's plugins
            with tarfile.open(Path(tmp) / _tarball(package, version)) as tar:
                licence = _licence(tar, package, version, graphiql_licence)
                if package == "graphiql":
                    graphiql_licence = licence
                for asset in (a for a in assets() if (a.package, a.version) == (package, version)):
                    content = _member(tar, asset.file)
                    if content is None or not asset.matches(content):
                        raise SystemExit(f"{asset.path}: not in the package, or not the file Strawberry pinned")
                    _write(folder / asset.path, content)
                _write(folder / f"{package}@{version}" / "LICENSE", licence)
    print(f"graph.ide.fetch: {len(assets())} GraphiQL files in {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(fetch())
