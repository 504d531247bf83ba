#!/usr/bin/env bash
# The README's first command: set up, then run the quickstart scenario on this host with
# real HAProxy and nginx sidecars. Ends by printing the report path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/meshbench.js run scenarios/quickstart.yaml "$@"
