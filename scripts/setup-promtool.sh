#!/usr/bin/env bash
# Unpack promtool from the distribution's prometheus package into the cache, without
# installing the package (whose service would listen on the host). The rule tests use it.
# Prints the path of promtool.
set -euo pipefail

cache="${AIDC_CACHE:-$HOME/.cache/aidc}/promtool"
tool="$cache/usr/bin/promtool"
if [ -x "$tool" ]; then
  echo "$tool"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-promtool: apt-get not found; install promtool and set AIDC_PROMTOOL" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || true  # apt's sandbox user writes the download here
(cd "$work" && apt-get download -qq prometheus >/dev/null)
mkdir -p "$cache"
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
install -D -m 0755 "$work/root/usr/bin/promtool" "$tool"
echo "$tool"
