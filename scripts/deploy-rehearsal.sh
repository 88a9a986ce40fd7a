#!/usr/bin/env bash
# deploy-rehearsal.sh [REPO]: follow docs/deploy.md as written, as root, on this Debian machine.
#
# Each numbered step below is the guide's step with its commands; the only stand-ins are the
# ones a rehearsal needs and says so:
#   - the code is cloned from REPO (default: this checkout) instead of the project's URL;
#   - `editor /etc/duban/duban.env` is replaced by filling in fresh keys with sed, and the
#     host name by duban.example.gov.cn (resolved to 127.0.0.1 by curl --resolve);
#   - the certificate is a self-signed one made here (a real site uses its CA's or certbot);
#   - `createsuperuser` takes its answers from the environment (--noinput);
#   - where systemd is not PID 1 (containers), step 7 starts each installed unit's ExecStart
#     as its User=, in its WorkingDirectory=, with its EnvironmentFile= — what systemd would
#     run — after `systemd-analyze verify` has checked the unit files.
# It ends by fetching /healthz and the sign-in page through nginx over TLS and listing the
# processes. `--stop` afterwards (or DUBAN_REHEARSAL_STOP=1) stops what it started.
set -euo pipefail
stop_all() {
    # Everything the units started runs as the duban user.
    pkill -u duban 2>/dev/null || true
    nginx -s stop 2>/dev/null || true
    for _ in $(seq 20); do pgrep -u duban >/dev/null || break; sleep 1; done
    pkill -KILL -u duban 2>/dev/null || true
}
if [ "${1:-}" = "--stop" ]; then stop_all; exit 0; fi
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
host=duban.example.gov.cn
log() { printf '\n== %s\n' "$*"; }
[ "$(id -u)" -eq 0 ] || { echo "run as root (the guide's commands are root's)" >&2; exit 2; }


stop_all   # a previous rehearsal's processes
log "1. System packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx git curl \
    build-essential sudo >/dev/null
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
command -v uv >/dev/null || curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/usr/local/bin sh
# Services Debian starts by itself; in a container without systemd, start them by hand.
pg_isready -q || pg_ctlcluster 15 main start
redis-cli ping >/dev/null 2>&1 || redis-server --daemonize yes >/dev/null

log "2. A system user and its directories"
id duban >/dev/null 2>&1 || adduser --system --group --home /var/lib/duban duban
install -d -o duban -g duban -m 0750 /var/lib/duban /var/backups/duban
install -d -m 0750 -g duban /etc/duban

log "3. The code and its environment"
rm -rf /opt/duban
git clone -q "$repo" /opt/duban
cd /opt/duban
uv sync --frozen --no-dev --python /usr/bin/python3.11 -q
make assets
chown -R root:duban /opt/duban && chmod -R g+rX,o-rwx /opt/duban
install -d -o duban -g duban /opt/duban/static_build

log "4. PostgreSQL: a role and a database owned by it"
cd /   # the postgres user may not enter /opt/duban
sudo -u postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='duban'" | grep -q 1 ||
    sudo -u postgres createuser duban
sudo -u postgres dropdb --if-exists --force duban
sudo -u postgres createdb -O duban duban

log "5. The environment (keys filled in by the rehearsal instead of an editor)"
cd /opt/duban
install -m 0640 -g duban deploy/duban.env /etc/duban/duban.env
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
data=$(python3 -c 'import secrets; print("k1:" + secrets.token_urlsafe(32))')
lookup=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
sed -i -e "s|^DUBAN_SECRET_KEY=.*|DUBAN_SECRET_KEY=$secret|" \
    -e "s|^DUBAN_DATA_KEY=.*|DUBAN_DATA_KEY=$data|" \
    -e "s|^DUBAN_LOOKUP_KEY=.*|DUBAN_LOOKUP_KEY=$lookup|" /etc/duban/duban.env
install -m 0755 deploy/duban-manage /usr/local/bin/duban-manage

log "6. Schema, static files, schedules, an administrator"
duban-manage migrate --noinput -v 0
duban-manage collectstatic --noinput -v 0
duban-manage jobs schedule
DJANGO_SUPERUSER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')" \
    sudo --preserve-env=DJANGO_SUPERUSER_PASSWORD -u duban sh -c \
    'set -a; . /etc/duban/duban.env; set +a; cd /opt/duban && exec .venv/bin/duban createsuperuser --noinput --username rehearsal --email rehearsal@example.gov.cn' \
    2>&1 | tail -1
duban-manage check --deploy --fail-level WARNING

log "7. Services"
install -m 0644 deploy/duban-web.service deploy/duban-worker.service \
    deploy/duban-worker-long.service /etc/systemd/system/
units="duban-web duban-worker duban-worker-long"
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now $units
else
    echo "systemd is not PID 1 here: verifying the units, then running their ExecStart"
    for u in $units; do
        systemd-analyze verify "/etc/systemd/system/$u.service" 2>&1 |
            grep -v -e "Cannot add dependency job" -e "Failed to load configuration" || true
    done
    mkdir -p /run/duban-rehearsal
    for u in $units; do
        file=/etc/systemd/system/$u.service
        # The unit's own lines: ExecStart (with its continuation lines), User, WorkingDirectory,
        # EnvironmentFile and Environment.
        exec_start=$(awk '/^ExecStart=/{on=1; sub(/^ExecStart=/, "")} on{c=sub(/\\$/, ""); printf "%s ", $0; if (!c) on=0}' "$file")
        user=$(sed -n 's/^User=//p' "$file")
        workdir=$(sed -n 's/^WorkingDirectory=//p' "$file")
        envfile=$(sed -n 's/^EnvironmentFile=//p' "$file")
        extra_env=$(sed -n 's/^Environment=\(.*\)$/\1;/p' "$file" | tr '\n' ' ')
        sudo -u "$user" sh -c "set -a; . $envfile; $extra_env set +a; cd $workdir && exec $exec_start" \
            >"/run/duban-rehearsal/$u.log" 2>&1 &
        echo $! >"/run/duban-rehearsal/$u.pid"
        echo "started $u (pid $!): $exec_start"
    done
fi

log "8. TLS reverse proxy, then check"
install -d -m 0750 /etc/ssl/duban
[ -s /etc/ssl/duban/privkey.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
    -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
    -keyout /etc/ssl/duban/privkey.pem -out /etc/ssl/duban/fullchain.pem 2>/dev/null
install -m 0644 deploy/nginx.conf /etc/nginx/sites-available/duban
ln -sfn /etc/nginx/sites-available/duban /etc/nginx/sites-enabled/duban
rm -f /etc/nginx/sites-enabled/default
nginx -t
if [ -d /run/systemd/system ]; then systemctl reload nginx; else nginx -s reload 2>/dev/null || nginx; fi

# gunicorn's workers load the app first: wait until /healthz answers 200 through nginx.
for _ in $(seq 180); do
    curl -skf --resolve "$host:443:127.0.0.1" "https://$host/healthz" >/dev/null 2>&1 && break
    sleep 1
done
echo "GET https://$host/healthz:"
curl -sk --resolve "$host:443:127.0.0.1" "https://$host/healthz"; echo
echo "GET http://$host/ (expects a redirect to HTTPS):"
curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' --resolve "$host:80:127.0.0.1" "http://$host/"
echo "GET https://$host/login/ (headers):"
curl -sk -D - -o /dev/null --resolve "$host:443:127.0.0.1" "https://$host/login/" |
    grep -i -e '^HTTP' -e '^strict-transport' -e '^content-security' -e '^set-cookie'
echo "processes:"
ps -eo user,pid,args | grep -e '[g]unicorn duban' -e '[q]cluster' | cut -c1-120
duban-manage jobs list | head -20
if [ "${DUBAN_REHEARSAL_STOP:-0}" = 1 ]; then stop_all; fi
