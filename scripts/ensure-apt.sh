#!/usr/bin/env bash
# ensure-apt.sh PKG...: install missing Debian packages when running as root.
# Without root (or apt) it only prints what is missing; tests needing them will say so.
set -euo pipefail
missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 || {
        apt-get update -qq >&2
        apt-get install -y --no-install-recommends "${missing[@]}" >&2
    }
else
    echo "warning: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
fi
