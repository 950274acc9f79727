#!/usr/bin/env bash
# The removals of README "Make it yours", run as a newcomer would, each in a
# fresh state of one scratch copy of this checkout: `node scripts/remove.mjs
# <part>`, then a frozen install (the lockfile was updated), no file left
# naming the part, lint, typecheck, the workflow's own check, the compose check
# (`docker-compose config` included), and the tests that could break: the
# route lists (OpenAPI document, every procedure served) without the web app
# or Postman, the production start command without the bench; without the web
# app, deploy/nginx.conf in nginx on a plain nginx image's files: `/` is a 404,
# not the image's welcome page. A removal that rots fails here.
# Needs TEST_DATABASE_URL and TEST_REDIS_URL (as .ci/checks.sh), nginx and docker-compose.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
here=$PWD

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar --exclude=node_modules --exclude=dist --exclude=.turbo --exclude=.git --exclude=data \
  --exclude=.env.local --exclude=.env.production --exclude='*.tsbuildinfo' -cf - . | tar -xf - -C "$scratch"
cd "$scratch"
# Biome reads .gitignore through git, and `git grep` lists what a commit would hold.
git init -q && git add -A && git -c user.name=ci -c user.email=ci@invalid commit -qm scratch

step() { printf '\n=== removals (%ss): %s\n' "$SECONDS" "$*"; }

# What may not survive a part's removal, outside scripts/remove.mjs and this file (which
# lists every part). The bench: not the comments under */src/ that cite its
# figures (`pnpm bench`), which stay true of the code they describe.
dangling() {
  case $1 in
    web) git grep -n -E 'apps/web|@repo/web|trpc-auth-web' -- ':!scripts/remove.mjs' ':!.ci/removals.sh' ;;
    # Lower-case: paths, scripts, steps, packages ("Postman" the product stays a word).
    postman) git grep -n 'postman' -- ':!scripts/remove.mjs' ':!.ci/removals.sh' ;;
    bench) git grep -n -E 'bench/|pnpm bench|@repo/bench|autocannon|"bench"' -- ':!scripts/remove.mjs' ':!.ci/removals.sh' ':!*/src/*' ;;
  esac
}

# deploy/nginx.conf as the proxy runs it on the plain nginx image: the image's
# own /usr/share/nginx/html (its welcome page) exists, no app was copied in.
proxy_without_app() {
  local dir port body status
  dir=$(mktemp -d)
  mkdir -p "$dir/image/usr/share/nginx/html"
  echo '<h1>Welcome to nginx!</h1>' >"$dir/image/usr/share/nginx/html/index.html"
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  # Every absolute path of a root or alias directive points into the emulated image.
  sed -e "s#server server:3000;#server 127.0.0.1:9;#" -e "s#listen 80;#listen 127.0.0.1:$port;#" \
    -e "s#^\( *\)\(root\|alias\) /#\1\2 $dir/image/#" deploy/nginx.conf >"$dir/default.conf"
  cat >"$dir/nginx.conf" <<CONF
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    include $dir/default.conf;
}
CONF
  /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf"
  body=$(node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, await r.text()), () => console.log("none"))' \
    "http://127.0.0.1:$port/")
  status=${body%% *}
  kill "$(cat "$dir/nginx.pid")"
  rm -rf "$dir"
  if [ "$status" != 404 ] || grep -q 'Welcome to nginx' <<<"$body"; then
    echo "without the web app, the proxy answers / with $status: ${body:0:80}" >&2
    return 1
  fi
  echo "ok  the proxy without the app answers / with 404, not nginx's welcome page"
}

for part in web postman bench; do
  step "$part: node scripts/remove.mjs $part"
  git reset -q --hard && git clean -qfdx -e node_modules
  pnpm install --frozen-lockfile --prefer-offline --reporter=silent
  node scripts/remove.mjs "$part"
  # As a fresh clone of the result installs: the lockfile matches.
  pnpm install --frozen-lockfile --offline --reporter=silent
  git add -A

  step "$part: no file names it"
  if dangling "$part"; then
    echo "the files above still name the removed part '$part': add the edits to scripts/remove.mjs" >&2
    exit 1
  fi

  step "$part: lint, typecheck, the workflow, compose"
  pnpm lint
  pnpm typecheck --output-logs=errors-only
  bash .ci/checks.sh workflow
  node .ci/compose-check.mjs

  step "$part: the tests that could break"
  case $part in
    web)
      (cd packages/api && npx vitest run test/openapi.test.ts)
      (cd apps/server && npx vitest run test/postman.test.ts test/fuzz.test.ts -t "postman|covers every procedure")
      proxy_without_app ;;
    postman)
      (cd packages/api && npx vitest run test/openapi.test.ts)
      (cd apps/server && npx vitest run test/fuzz.test.ts -t "covers every procedure") ;;
    bench)
      (cd apps/server && npx vitest run test/production-start.test.ts) ;;
  esac
done

step "passed: every removal of $here/README.md leaves the rest green"
