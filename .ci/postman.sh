#!/usr/bin/env bash
# Runs the committed Postman collection (postman/) with newman against the
# built server, as production runs it: NODE_ENV=production, a fresh migrated
# SQLite file, generated secrets. Run from a clone after `pnpm install` and
# `pnpm build`. Exits non-zero when a request's tests fail or the server does
# not stop cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

for file in apps/server/dist/main.js apps/server/dist/commands/migrate.js apps/server/node_modules/.bin/newman; do
  [ -e "$file" ] || { echo "missing $file: run pnpm install and pnpm build first" >&2; exit 1; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

random_hex() { node -p "require('node:crypto').randomBytes(32).toString('hex')"; }
export NODE_ENV=production LOG_LEVEL=warn BCRYPT_COST=10 HOST=127.0.0.1
export DATABASE_URL="sqlite:$tmp/postman.sqlite"
export JWT_ACCESS_SECRET="postman-access-$(random_hex)"
export JWT_REFRESH_SECRET="postman-refresh-$(random_hex)"
export MFA_ENCRYPTION_KEY="$(node -p "require('crypto').randomBytes(32).toString('base64url')")"
PORT=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export PORT
base="http://127.0.0.1:$PORT"

node apps/server/dist/commands/migrate.js

node apps/server/dist/main.js &
pid=$!

# Up to 20 s for /readyz; give up at once if the server has died.
ready=
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
  if node -e "fetch('$base/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    ready=1
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "$base/readyz never answered 200" >&2; exit 1; }

set +e
apps/server/node_modules/.bin/newman run postman/collection.json \
  -e postman/local.postman_environment.json \
  --env-var "baseUrl=$base" \
  --color off
newman_code=$?
kill -TERM "$pid"
wait "$pid"
server_code=$?
pid=
set -e

if [ "$server_code" -ne 0 ]; then
  echo "server exited with $server_code after SIGTERM (expected 0)" >&2
  exit 1
fi
if [ "$newman_code" -ne 0 ]; then
  echo "newman: the Postman collection failed (exit $newman_code)" >&2
  exit "$newman_code"
fi
echo "Postman collection passed against the built server"
