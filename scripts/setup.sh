#!/usr/bin/env bash
# Installs what meshbench needs on a fresh Debian/Ubuntu machine: the proxies from Debian
# (only if missing) and the npm dependencies (only if package-lock.json changed), then
# builds the CLI. Sourced by quickstart.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_packages=(haproxy nginx libnginx-mod-stream openssl iproute2 procps)
need_apt=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || need_apt+=(libnginx-mod-stream)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian packages" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # The packages' init scripts would start system-wide proxies on :80; meshbench runs its own.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# The report test opens report.html in a real, headless Chromium (Debian's package; Ubuntu's
# chromium is a snap shim and will not do). Only the test path asks for it, through
# MESHBENCH_SETUP_BROWSER=1 (scripts/test.sh): the quickstart installs no browser.
if [ "${MESHBENCH_SETUP_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium from Debian packages (for the report's browser test)" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  # Not fatal: without a browser that one test is skipped (outside CI), the rest still run.
  { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null; } ||
    echo "setup: could not install chromium; the report's browser test will be skipped" >&2
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.meshbench-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

echo "setup: building" >&2
npm run --silent build
