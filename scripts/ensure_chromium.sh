#!/bin/sh
# Make Debian's chromium and chromium-driver available for the browser test of report.html.
# Idempotent: does nothing when both binaries are already installed. Only Debian's packages
# are used (a browser download from elsewhere, e.g. `playwright install`, is not possible here).
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: apt-get not found; install Debian's chromium and chromium-driver by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure_chromium: run as root (or install sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version
