#!/usr/bin/env bash
# Bootstrap uv into .tools/ when it is not on PATH (Debian's python3 refuses
# `pip install --user` under PEP 668, so a private venv is the portable route).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v uv >/dev/null 2>&1 || [ -x .tools/bin/uv ]; then
    exit 0
fi
echo "uv not found: installing it into .tools/" >&2
if ! python3 -m venv .tools 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2
        python3 -m venv .tools
    else
        echo "python3 -m venv failed; trying pip install --user uv" >&2
        python3 -m pip install --user uv
        mkdir -p .tools/bin && ln -sf "$(python3 -m site --user-base)/bin/uv" .tools/bin/uv
        exit 0
    fi
fi
.tools/bin/python -m pip install --quiet --disable-pip-version-check uv
