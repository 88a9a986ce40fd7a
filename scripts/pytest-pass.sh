#!/usr/bin/env bash
# pytest-pass.sh [PYTEST ARGS...]: one pass of the suite on the database named by
# DATABASE_URL (empty: SQLite). DUBAN_TEST_DB (sqlite|postgres) names the pass; the
# root conftest fails the run when the pass cannot use the database it promises.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-uv}
label=${DUBAN_TEST_DB:-sqlite}
echo "== pytest on $label =="
rc=0
"$uv" run --frozen --no-sync pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    # Exit 5 = no tests collected. The suite has tests, so this means a broken
    # configuration (testpaths, python_files), never something to wave through.
    echo "error: pytest collected no tests on $label (exit 5): check [tool.pytest.ini_options]" >&2
fi
exit "$rc"
