#!/usr/bin/env bash
# ensure-postgres.sh: make a PostgreSQL server reachable on $PGHOST:$PGPORT (default
# 127.0.0.1:5432) and print a DATABASE_URL for the `duban` database on stdout.
#
# - already reachable: use it;
# - not reachable: start the Debian cluster (pg_ctlcluster), installing the
#   `postgresql` package first when missing and running as root;
# - role: `postgres` when trust authentication lets us in over TCP (project machines),
#   otherwise a `duban` role with password `duban` created through the local socket.
# Fails loudly (exit 1) when none of that works. Diagnostics go to stderr.
set -euo pipefail

if [ -n "${DUBAN_TEST_DATABASE_URL:-}" ]; then
    echo "$DUBAN_TEST_DATABASE_URL"
    exit 0
fi
host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
db=duban
say() { echo "ensure-postgres: $*" >&2; }
reachable() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
as_root() { [ "$(id -u)" = 0 ]; }

if ! reachable; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        as_root || { say "PostgreSQL is not installed and we are not root"; exit 1; }
        say "installing PostgreSQL (apt-get install postgresql)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends postgresql >&2 || {
            apt-get update -qq >&2
            apt-get install -y --no-install-recommends postgresql >&2
        }
    fi
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
        say "creating cluster $version/main"
        pg_createcluster "$version" main >&2
    fi
    say "starting PostgreSQL $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 30); do reachable && break; sleep 1; done
    reachable || { say "PostgreSQL did not come up on $host:$port"; exit 1; }
fi

# Wait until it accepts queries (a just-started server may still be recovering).
try_psql() { PGCONNECT_TIMEOUT=3 psql -w -h "$host" -p "$port" -U "$1" -d postgres -tAqc "$2" 2>/dev/null; }
for _ in $(seq 1 30); do
    if try_psql postgres "select 1" >/dev/null || pg_isready -q -h "$host" -p "$port"; then break; fi
    sleep 1
done

if try_psql postgres "select 1" >/dev/null; then
    user=postgres
    url="postgres://postgres@$host:$port/$db"
    if [ "$(try_psql postgres "select 1 from pg_database where datname = '$db'")" != 1 ]; then
        say "creating database $db"
        try_psql postgres "create database $db" >/dev/null
    fi
elif as_root && id postgres >/dev/null 2>&1; then
    # Fresh Debian install: password auth over TCP, peer auth over the socket.
    user=duban
    url="postgres://duban:duban@$host:$port/$db"
    sock() { runuser -u postgres -- psql -p "$port" -d postgres -tAqc "$1"; }
    if [ "$(sock "select 1 from pg_roles where rolname = 'duban'")" != 1 ]; then
        say "creating role duban"
        sock "create role duban login createdb password 'duban'" >/dev/null
    fi
    if [ "$(sock "select 1 from pg_database where datname = '$db'")" != 1 ]; then
        say "creating database $db"
        sock "create database $db owner duban" >/dev/null
    fi
else
    say "cannot log in to PostgreSQL on $host:$port as postgres; set DUBAN_TEST_DATABASE_URL"
    exit 1
fi
say "using role $user, database $db on $host:$port"
echo "$url"
