#!/bin/sh
# Install Debian's Chromium for the browser tests when it is missing (needs root or sudo).
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Chromium is missing and this account cannot install it: run 'apt-get install chromium' as root." >&2
  echo "The browser tests will be skipped until it is installed." >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
