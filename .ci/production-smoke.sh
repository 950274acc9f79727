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

# The package's start script, flags and all: the command the Docker image runs;
# it records the modules it loads (.ci/record-modules.mjs).
modules=$(mktemp)
recorder="$PWD/.ci/record-modules.mjs"
(cd apps/server && NODE_OPTIONS="--import=$recorder" LOADED_MODULES_FILE="$modules" \
  exec $(node -p "require('./package.json').scripts.start")) &
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

# Without METRICS_PORT, OTEL_EXPORTER_OTLP_ENDPOINT and SMTP_URL, their libraries
# never load (memory at start, apps/server/README.md "Operate it").
grep -q '/node_modules/express/' "$modules" || { echo "the module list holds no express: nothing was recorded"; exit 1; }
if grep -E '/node_modules/(prom-client|nodemailer|@opentelemetry/sdk-node)/' "$modules"; then
  echo "loaded although not configured (above): metrics, tracing and mail load only when configured"
  exit 1
fi
echo "$(wc -l <"$modules") modules loaded; none of prom-client, nodemailer, @opentelemetry/sdk-node"
rm -f "$modules"

# `pnpm start` as a process manager that signals one pid runs it: pnpm passes
# the SIGTERM on to the server, which answers the request it had accepted,
# then stops; nothing is left holding the port.
log=$(mktemp)
LOG_LEVEL=info pnpm start >"$log" 2>&1 &
pid=$!
for _ in $(seq 150); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
in_flight=0
node .ci/in-flight-at-sigterm.mjs "$PORT" "$pid" || in_flight=1
wait "$pid" || true
if [ "$in_flight" -ne 0 ] || ! grep -q '"msg":"stopped"' "$log"; then
  echo "pnpm start: the server did not drain and stop after a SIGTERM to pnpm's pid:"
  cat "$log"
  exit 1
fi
if curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
  echo "pnpm start: something still answers on port $PORT after the SIGTERM"
  exit 1
fi
rm -f "$log"
echo "pnpm start drained and stopped after a SIGTERM to pnpm's own pid"
