#!/usr/bin/env bash
# ensure-redis.sh: make a Redis server reachable on 127.0.0.1:6379 for the shared-cache
# tests (the machine usually runs one). Starts Debian's redis-server when it is
# installed but not running, installing it first when root; otherwise only says so
# (the tests then skip, or fail under CI=true).
set -uo pipefail
say() { echo "ensure-redis: $*" >&2; }
reachable() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

reachable && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        say "installing redis-server (apt-get install redis-server)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends redis-server >&2 || {
            apt-get update -qq >&2
            apt-get install -y --no-install-recommends redis-server >&2
        } || { say "could not install redis-server"; exit 0; }
    else
        say "Redis is not running and redis-server is not installed"; exit 0
    fi
fi
say "starting redis-server on 127.0.0.1:6379 (nothing kept on disk)"
mkdir -p /tmp/duban-redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/duban-redis --logfile /tmp/duban-redis/redis.log >&2 || say "could not start it"
for _ in 1 2 3 4 5 6 7 8 9 10; do reachable && exit 0; sleep 0.5; done
say "Redis did not come up"
exit 0
