#!/bin/sh
# Make Debian's chromium and chromium-driver available for the browser test of report.html.
# Idempotent: does nothing when both binaries are already installed. Only Debian's packages
# are used (a browser download from elsewhere, e.g. `playwright install`, is not possible here).
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
sh "$(dirname "$0")/apt_install.sh" chromium chromium-driver
/usr/bin/chromium --version
