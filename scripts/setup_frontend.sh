# Sourced by run.sh and test.sh after setup_venv.sh (which cd's to the root): install the front
# end's node packages (npm ci) and build frontend/dist. Idempotent: `npm ci` runs only when
# package-lock.json changed, the build only when the sources or the lock changed since the last
# successful build. Needs Node 20.19+ and npm on PATH.

# Each step checks its own status: callers may not run with `set -e`.
FRONTEND="$ROOT/frontend"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup: node and npm are needed to build the front end (Node 20.19 or later)" >&2
    return 1
fi

_lock_sum="$(sha256sum "$FRONTEND/package-lock.json" | cut -d' ' -f1)" || return 1
if [ ! -f "$FRONTEND/node_modules/.lock.sha256" ] || [ "$(cat "$FRONTEND/node_modules/.lock.sha256")" != "$_lock_sum" ]; then
    echo "setup: installing the front end's packages (npm ci)"
    (cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error) \
        || { echo "setup: npm ci failed" >&2; return 1; }
    echo "$_lock_sum" > "$FRONTEND/node_modules/.lock.sha256" || return 1
fi

_src_sum="$(cd "$FRONTEND" && find src index.html vite.config.ts tsconfig.json package-lock.json -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)" || return 1
if [ ! -f "$FRONTEND/dist/index.html" ] || [ ! -f "$FRONTEND/dist/.build.sha256" ] \
    || [ "$(cat "$FRONTEND/dist/.build.sha256")" != "$_src_sum" ]; then
    echo "setup: building the front end (npm run build)"
    (cd "$FRONTEND" && npm run --silent build >/dev/null) \
        || { echo "setup: the front-end build failed (cd frontend && npm run build)" >&2; return 1; }
    echo "$_src_sum" > "$FRONTEND/dist/.build.sha256" || return 1
fi
unset _lock_sum _src_sum
