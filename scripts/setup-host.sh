#!/usr/bin/env bash
# Install the Debian packages the lab and the tests need, when they are missing.
# Runs as root on Debian 12/13; elsewhere it names what is missing and stops.
set -euo pipefail

packages=(debootstrap systemd-container nftables tinyproxy iproute2 openssh-client
          nmap python3-venv ca-certificates curl maven)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-host: missing Debian packages: ${missing[*]}; run 'make setup' as root on Debian" >&2
  exit 1
fi
echo "setup-host: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The lab runs its own tinyproxy bound to the lab bridge; the distribution's service would
# listen on every interface, so it stays off.
if [ -d /run/systemd/system ]; then
  systemctl disable --now tinyproxy >/dev/null 2>&1 || true
fi
