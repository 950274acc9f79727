#!/usr/bin/env bash
# The production path of the README on a fresh MySQL database (FRESH_DATABASE_URL): `pnpm db:migrate`,
# then the built server with NODE_ENV=production, apps/server/README.md's curl flow
# (as .ci/smoke.mjs), and SIGTERM, which must end the process with code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${FRESH_DATABASE_URL:?run me through .ci/with-fresh-database.sh}"

export NODE_ENV=production DATABASE_URL="$url" LOG_LEVEL=warn BCRYPT_COST=10
export JWT_ACCESS_SECRET="ci-access-$(node -p "require('crypto').randomBytes(32).toString('hex')")"
export JWT_REFRESH_SECRET="ci-refresh-$(node -p "require('crypto').randomBytes(32).toString('hex')")"
export MFA_ENCRYPTION_KEY="$(node -p "require('crypto').randomBytes(32).toString('base64url')")"
export PORT=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

pnpm db:migrate

# The package's start script, flags and all: the command the Docker image runs.
(cd apps/server && exec $(node -p "require('./package.json').scripts.start")) &
pid=$!
node .ci/smoke.mjs "http://127.0.0.1:$PORT"

kill -TERM "$pid"
set +e
wait "$pid"
code=$?
set -e
if [ "$code" -ne 0 ]; then
  echo "server exited with $code after SIGTERM (expected 0)"
  exit 1
fi
echo "server stopped cleanly after SIGTERM"
