#!/bin/sh
# Writes .env.production (or the file named) with fresh secrets for
# docker-compose.yml, once: an existing file is left as it is, since new
# passwords would no longer open the MySQL volume made with the old ones, and
# new JWT secrets would sign everyone out. Plain sh, head and base64: it runs
# on a Docker host without Node.
#   sh deploy/init-env-production.sh [file]
set -eu
file=${1:-.env.production}
if [ -e "$file" ]; then
  echo "$file exists: left as it is (delete it only with the stack and its mysql-data volume)" >&2
  exit 0
fi
# 48 random bytes as base64url: URL-safe, as DATABASE_URL and REDIS_URL need.
secret() { head -c 48 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'; }
umask 077
# noclobber: a file that appeared since the test above is still not overwritten.
set -C
cat >"$file" <<ENV
# docker-compose.yml's secrets, written by deploy/init-env-production.sh on $(date -u +%Y-%m-%d).
# Read with: docker compose --env-file .env.production … (never commit this file).
JWT_ACCESS_SECRET=$(secret)
JWT_REFRESH_SECRET=$(secret)
# The AES-256 key of the TOTP secrets: exactly 32 bytes. Keep it: secrets stored under a lost key cannot be read.
MFA_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_')
MYSQL_PASSWORD=$(secret)
MYSQL_ROOT_PASSWORD=$(secret)
REDIS_PASSWORD=$(secret)
# Optional (apps/server/README.md, Deploy):
# APP_URL=https://app.example.com/
# SMTP_URL=smtps://user:pass@smtp.example.com:465
# MAIL_FROM=Example <no-reply@example.com>
# CORS_ORIGINS=
# HTTP_PORT=8080
# TRUST_PROXY_HOPS=2   (behind a TLS terminator)
ENV
echo "wrote $file (mode 600): keep a copy with your backups"
