#!/usr/bin/env bash
# The production path of the README on a fresh MySQL database: `pnpm db:migrate`,
# then the built server with NODE_ENV=production, the README's curl flow
# (as .ci/smoke.mjs), and SIGTERM, which must end the process with code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
server_url="$1"
db="ci_smoke_$$"
url="${server_url%/*}/$db"
mysql_args=(--protocol=tcp -h "$(node -p "new URL('$server_url').hostname")" -P "$(node -p "new URL('$server_url').port || 3306")" -u "$(node -p "decodeURIComponent(new URL('$server_url').username)")")
password=$(node -p "decodeURIComponent(new URL('$server_url').password)")
[ -n "$password" ] && mysql_args+=("-p$password")
mysql "${mysql_args[@]}" -e "create database \`$db\`"
trap 'mysql "${mysql_args[@]}" -e "drop database if exists \`$db\`" || true' EXIT

export NODE_ENV=production DATABASE_URL="$url" LOG_LEVEL=warn BCRYPT_COST=10
export JWT_ACCESS_SECRET="ci-access-$(node -p "require('crypto').randomBytes(32).toString('hex')")"
export JWT_REFRESH_SECRET="ci-refresh-$(node -p "require('crypto').randomBytes(32).toString('hex')")"
export PORT=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

pnpm db:migrate

(cd apps/server && exec node dist/main.js) &
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
