#!/bin/sh
# Install and start Debian's mosquitto (the MQTT broker the live-feed tests use on 127.0.0.1:1883) when it is
# missing (needs root or sudo). Without it those tests skip, saying so.
set -e
if command -v mosquitto >/dev/null 2>&1; then
  if command -v pgrep >/dev/null 2>&1 && ! pgrep -x mosquitto >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else exit 0; fi
    $SUDO service mosquitto start >/dev/null 2>&1 || $SUDO mosquitto -d -p 1883 >/dev/null 2>&1 || true
  fi
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Mosquitto is missing and this account cannot install it: run 'apt-get install mosquitto' as root." >&2
  echo "The MQTT tests will be skipped until it is installed and running." >&2
  exit 0
fi
echo "Installing Debian's mosquitto for the MQTT tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mosquitto >/dev/null
# Debian's package listens on localhost:1883; start it where no init system has.
$SUDO service mosquitto start >/dev/null 2>&1 || $SUDO mosquitto -d -p 1883 >/dev/null 2>&1 || true
