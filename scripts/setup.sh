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

# Test-only tools, asked for by scripts/test.sh through MESHBENCH_SETUP_BROWSER=1 (the
# quickstart installs none of them): Chromium opens report.html in a real headless browser
# (Debian's package; Ubuntu's chromium is a snap shim and will not do), and stress-ng is the
# noisy neighbour of emulated tiers (the tests run both it and the built-in one).
if [ "${MESHBENCH_SETUP_BROWSER:-0}" = 1 ]; then
  test_tools=()
  [ -x /usr/bin/chromium ] || test_tools+=(chromium)
  command -v stress-ng >/dev/null 2>&1 || test_tools+=(stress-ng)
  if [ ${#test_tools[@]} -gt 0 ]; then
    echo "setup: installing ${test_tools[*]} from Debian packages (for the tests)" >&2
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    # Not fatal: without a browser that one test is skipped (outside CI), the rest still run.
    { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${test_tools[@]}" >/dev/null; } ||
      echo "setup: could not install ${test_tools[*]}; the tests that need them will be skipped" >&2
  fi
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
