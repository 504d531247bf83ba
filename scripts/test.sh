#!/usr/bin/env bash
# The README's second command (and CI's): set up, type-check, run every test, and close
# with one plain line "N passed, N failed, N skipped" (CI reads that line, not vitest's).
set -uo pipefail
cd "$(dirname "$0")/.."
# The browser test of report.html needs Chromium; only the tests ask setup for it.
MESHBENCH_SETUP_BROWSER=1 bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

status=0
echo "== type check" >&2
npx tsc -p tsconfig.json --noEmit || status=1
mkdir -p out
rm -f out/vitest.json
echo "== tests" >&2
NO_COLOR=1 npx vitest run --reporter=default --reporter=json --outputFile.json=out/vitest.json "$@" || status=1
node scripts/test-summary.mjs out/vitest.json "$status"
