#!/usr/bin/env bash
# The generators of README "Make it yours", run as a newcomer would, in a
# scratch copy of this checkout (without node_modules, dist or databases):
# a procedure on a new router and one on an existing router, an entity and its
# migrations for both dialects; then lint, typecheck, the generated tests (and
# the OpenAPI, Postman, fuzz-coverage and conformance tests, which read every
# route off the router) on SQLite and MySQL, that each procedure edited at
# most two existing files, and `pnpm db:migrate` on a fresh SQLite file and a fresh MySQL database,
# where the new table must exist. A generator that rots fails here.
# Needs TEST_DATABASE_URL (a MySQL server whose user may create databases).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL=mysql://user:pass@host:3306/db}"
export CI=true

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar --exclude=node_modules --exclude=dist --exclude=.turbo --exclude=.git --exclude=data \
  --exclude=.env.local --exclude='*.tsbuildinfo' -cf - . | tar -xf - -C "$scratch"
cd "$scratch"
# Biome reads .gitignore through git: the copy is a repository of its own.
git init -q && git add -A && git -c user.name=ci -c user.email=ci@invalid commit -qm scratch
pnpm install --frozen-lockfile --prefer-offline --reporter=silent

step() { printf '\n=== generators (%ss): %s\n' "$SECONDS" "$*"; }
# README's claim: a procedure is a file of its own (and its test), and edits at
# most two existing files: its router's list (or, for a new router, root.ts)
# and the committed Postman collection, regenerated from the document.
edits_at_most_two() {
  local edited
  # turbo gen exits 0 when a generator fails: a run that added no file failed.
  if ! git status --porcelain | grep -q '^??'; then
    echo "the procedure generator wrote no file" >&2
    exit 1
  fi
  edited=$(git status --porcelain --untracked-files=no)
  printf 'existing files the generator edited:\n%s\n' "$edited"
  if [ "$(printf '%s' "$edited" | grep -c .)" -gt 2 ]; then
    echo "the procedure generator edited more than two existing files" >&2
    exit 1
  fi
  git add -A && git -c user.name=ci -c user.email=ci@invalid commit -qm "generated"
}

step "procedure on a new router, procedure on an existing one, entity"
pnpm turbo gen procedure --args ciProbe ping query public </dev/null
edits_at_most_two
pnpm turbo gen procedure --args user ciShout mutation admin </dev/null
edits_at_most_two
pnpm turbo gen entity --args CiProbeItem </dev/null

step "migrations for both dialects"
pnpm db:migration:create add_ci_probe_items
ls packages/db/src/migrations/sqlite/*_add_ci_probe_items.ts packages/db/src/migrations/mysql/*_add_ci_probe_items.ts

step "lint and typecheck"
pnpm lint
pnpm typecheck --output-logs=errors-only

step "the generated tests and the route lists, on SQLite and MySQL"
(cd packages/api && npx vitest run test/ci-probe-ping.test.ts test/user-ci-shout.test.ts test/openapi.test.ts)
(cd packages/db && npx vitest run test/ci-probe-item.test.ts)
(cd apps/server && npx vitest run test/postman.test.ts test/fuzz.test.ts test/openapi-conformance.test.ts -t "postman|covers every procedure|only as documented")

step "pnpm db:migrate on SQLite and MySQL"
table_exists='
  import { createOrm } from "@repo/db";
  const orm = await createOrm({ url: process.env.DATABASE_URL, rootDir: process.cwd(), migrations: false });
  try {
    await orm.em.getConnection().execute("select count(*) as n from ci_probe_items");
    console.log("ci_probe_items exists");
  } finally {
    await orm.close();
  }'
export DATABASE_URL="sqlite:$scratch/migrate-check.sqlite"
pnpm db:migrate
(cd apps/server && node --input-type=module -e "$table_exists")
# shellcheck disable=SC2016 # expanded by the inner shell, where FRESH_DATABASE_URL is set
bash .ci/with-fresh-database.sh "$TEST_DATABASE_URL" sh -c '
  export DATABASE_URL="$FRESH_DATABASE_URL"
  pnpm db:migrate
  cd apps/server && node --input-type=module -e "$0"' "$table_exists"

step "passed"
