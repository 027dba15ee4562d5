#!/usr/bin/env bash
# GraphQL over HTTP conformance: graphql-http's server audit against a real `uidp serve` on the embedded
# default (SQLite in a temporary data folder, in-process store) on a free port. Fails on any audit that is
# not ok, except the three GET audits we fail on purpose (docs/decisions.md 103). About 10 s once npm's
# packages are cached (outside the repo: $UIDP_CI_CACHE, default ~/.cache/uidp-ci).
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHQL_HTTP_VERSION=1.23.1
GRAPHQL_VERSION=16.15.0
modules="${UIDP_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uidp-ci}/graphql-http-$GRAPHQL_HTTP_VERSION"
if [ ! -f "$modules/node_modules/graphql-http/package.json" ] || [ ! -f "$modules/node_modules/graphql/package.json" ]; then
  mkdir -p "$modules"
  npm install --prefix "$modules" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "graphql-http@$GRAPHQL_HTTP_VERSION" "graphql@$GRAPHQL_VERSION"
fi

data=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$data/serve.log"
# Only this run's settings reach the server: no UIDP_* from the caller's environment (a database URL, say).
mapfile -t unset_uidp < <(env | sed -n 's/^\(UIDP_[A-Za-z0-9_]*\)=.*/-u\n\1/p')
env "${unset_uidp[@]}" UIDP_DATA_DIR="$data" .venv/bin/uidp serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap stop EXIT

.venv/bin/python - "$port" "$server" <<'PY' || { cat "$log"; exit 1; }
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("uidp serve exited before it answered /health")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("uidp serve did not answer /health within 60 s")
PY
node .ci/graphql_http_audit.mjs "http://127.0.0.1:$port/graphql" "$modules/node_modules" || { tail -20 "$log"; exit 1; }
