#!/usr/bin/env bash
# Makes a local PostgreSQL ready for the store's tests, on a clean Debian machine or on one
# where it already runs: installs the Debian packages when missing, creates and starts a
# cluster, creates the test role and database, and prints the line to eval:
#
#   eval "$(bash .ci/postgres.sh)"     # sets TEST_DATABASE_URL
#
# Progress goes to stderr; stdout carries only the export line. Safe to run again.
# Not for production: the role has a fixed, well-known password.
set -euo pipefail

PG_USER=${PG_USER:-bridge}
PG_PASSWORD=${PG_PASSWORD:-bridge}
PG_DB=${PG_DB:-bridge_test}

say() { printf 'postgres.sh: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

installed_major() {
  local dir
  for dir in /usr/lib/postgresql/*/bin/postgres; do
    [ -x "$dir" ] && basename "$(dirname "$(dirname "$dir")")"
  done | sort -n | tail -n 1
}

if [ -z "$(installed_major)" ] || ! command -v pg_lsclusters >/dev/null 2>&1; then
  say "installing PostgreSQL from Debian packages"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
major=$(installed_major)
[ -n "$major" ] || { say "no PostgreSQL server found after install"; exit 1; }

# The Debian package creates cluster "main" unless the image disabled that; make sure.
if ! pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'
then
  say "creating cluster $major/main"
  as_root pg_createcluster "$major" main >&2
fi

port=$(pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" { print $3 }')
status=$(pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" { print $4 }')
if [ "$status" != "online" ]; then
  say "starting cluster $major/main on port $port"
  as_root pg_ctlcluster "$major" main start >&2
fi

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { say "PostgreSQL did not become ready"; exit 1; }

# psql variables (:'name') quote the values, so odd passwords cannot break the SQL.
as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
  -v user="$PG_USER" -v password="$PG_PASSWORD" >&2 <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SQL

exists=$(as_postgres psql -X -tA -v ON_ERROR_STOP=1 -p "$port" -d postgres -v db="$PG_DB" \
  <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")
if [ "$exists" != "1" ]; then
  say "creating database $PG_DB"
  as_postgres createdb -p "$port" -O "$PG_USER" "$PG_DB" >&2
fi

say "ready on 127.0.0.1:$port"
echo "export TEST_DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
