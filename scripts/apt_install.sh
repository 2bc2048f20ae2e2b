#!/bin/sh
# Install Debian packages non-interactively: `sh scripts/apt_install.sh PACKAGE...`.
# Shared by the ensure_*.sh scripts; uses sudo when not root. Only Debian's registry is used.
set -eu

if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt_install: apt-get not found; install $* by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "apt_install: run as root (or install sudo) to apt-get install $*" >&2
        exit 1
    fi
fi

$SUDO apt-get update -q
# Some packages' postinst (the JRE's) needs the man1 folder, which slim Debian images delete.
$SUDO mkdir -p /usr/share/man/man1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@"
