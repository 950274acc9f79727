#!/usr/bin/env bash
# The project's checks, shared by .ci/run (this Debian machine kind) and
# .github/workflows/ci.yml (GitHub Actions), so the two cannot drift apart:
# each prepares Node, pnpm, the dependencies and the services its own way,
# then runs these steps.
#
#   bash .ci/checks.sh            every step, in order
#   bash .ci/checks.sh lint test  just those
#
# Needs TEST_DATABASE_URL (MySQL/MariaDB) and TEST_REDIS_URL, Chromium for the
# browser tests, nginx for deploy/nginx.conf's test and docker-compose for the
# compose step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
# Every test that needs MySQL, Redis or Chromium must run: a missing one fails the run.
export REQUIRE_SERVICES=1
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a MySQL/MariaDB server, e.g. mysql://root@127.0.0.1:3306/test}"
: "${TEST_REDIS_URL:?set TEST_REDIS_URL to a Redis server, e.g. redis://127.0.0.1:6379}"

ALL_STEPS=(lint seams workflow typecheck test production postman docker compose generators removals)

step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%T)"; }

run_step() {
  case "$1" in
    lint)
      step "lint"
      pnpm lint ;;
    seams)
      step "library internals only in their declared seams (ARCHITECTURE.md)"
      # The check's own test first: a planted violation must fail it.
      node --test .ci/seams.test.mjs
      node .ci/seams.mjs ;;
    workflow)
      step "GitHub workflow against the workflow schema"
      pnpm exec action-validator .github/workflows/ci.yml
      # And it runs every step of this script.
      for name in "${ALL_STEPS[@]}"; do
        if ! grep -Eq "bash \.ci/checks\.sh( [a-z]+)* $name( |$)" .github/workflows/ci.yml; then
          echo ".github/workflows/ci.yml never runs the '$name' step of .ci/checks.sh" >&2
          exit 1
        fi
      done
      echo "workflow valid, and it runs every step of .ci/checks.sh" ;;
    typecheck)
      step "typecheck, as a newcomer's first turbo run (a fresh HOME): no telemetry or update banner"
      fresh_home=$(mktemp -d)
      HOME=$fresh_home XDG_CONFIG_HOME=$fresh_home/.config pnpm typecheck 2>&1 | tee "$fresh_home/output"
      # (turbo's banner says "collects completely anonymous telemetry"; the scripts' own variable is no banner)
      if grep -Ei 'anonymous telemetry|update available' "$fresh_home/output"; then
        echo "a root script printed a telemetry or update banner (pnpm-workspace.yaml, turbo.json, package.json)" >&2
        exit 1
      fi
      rm -rf "$fresh_home" ;;
    test)
      step "test (SQLite and MySQL, Redis, browser)"
      pnpm test ;;
    production)
      step "production path: build, migrate, start, smoke, graceful stop"
      pnpm build
      bash .ci/with-fresh-database.sh "$TEST_DATABASE_URL" bash .ci/production-smoke.sh ;;
    postman)
      step "Postman collection with newman"
      bash .ci/postman.sh ;;
    docker)
      step "Dockerfile replayed without Docker"
      bash .ci/with-fresh-database.sh "$TEST_DATABASE_URL" \
        sh -c 'node .ci/docker-replay.mjs "$FRESH_DATABASE_URL" "$TEST_REDIS_URL"' ;;
    compose)
      step "compose files"
      # The resolved config: only the proxy published; JWT secrets, MySQL and Redis
      # passwords required; REDIS_URL carries the Redis password.
      node .ci/compose-check.mjs ;;
    generators)
      step "generators in a scratch copy"
      bash .ci/generators.sh ;;
    removals)
      step "README's removals (web app, Postman, bench) in a scratch copy"
      bash .ci/removals.sh ;;
    *)
      echo "unknown step: $1 (steps: ${ALL_STEPS[*]})" >&2
      exit 2 ;;
  esac
}

if [ "$#" -eq 0 ]; then set -- "${ALL_STEPS[@]}"; fi
for name in "$@"; do run_step "$name"; done
