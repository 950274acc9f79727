#!/usr/bin/env bash
# Runs a command with FRESH_DATABASE_URL naming a new, empty database on the
# MySQL server of the given URL, and drops that database afterwards.
# Usage: .ci/with-fresh-database.sh mysql://user:pass@host:3306/any <command...>
set -euo pipefail
server_url="$1"
shift
name="ci_${$}_${RANDOM}"
read -r -a args < <(node -e '
  const u = new URL(process.argv[1]);
  const a = ["--protocol=tcp", "-h", u.hostname, "-P", u.port || "3306", "-u", decodeURIComponent(u.username)];
  if (u.password) a.push("-p" + decodeURIComponent(u.password));
  console.log(a.join(" "));
' "$server_url")
mysql "${args[@]}" -e "create database \`$name\`"
trap 'mysql "${args[@]}" -e "drop database if exists \`$name\`" || true' EXIT
FRESH_DATABASE_URL="${server_url%/*}/$name" "$@"
