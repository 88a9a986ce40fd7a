#!/usr/bin/env bash
# Make sure npm exists (Debian: apt-get install npm when running as root).
set -euo pipefail
if command -v npm >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "npm not found: installing Debian's nodejs and npm" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm >&2
else
    echo "error: npm is required for front-end assets (htmx, ECharts); install Node.js and npm" >&2
    exit 1
fi
