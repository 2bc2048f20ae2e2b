#!/bin/sh
# Make a Java runtime (17+) available for the Spark engine (pyspark starts a JVM).
# Idempotent: does nothing when `java` already runs and reports version 17 or newer.
# Only Debian's packages are used: default-jre-headless (OpenJDK 17 on bookworm), or
# openjdk-17-jre-headless when the default is not available.
set -eu

java_major() {
    # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (on stderr)
    java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

if command -v java >/dev/null 2>&1; then
    major="$(java_major)"
    if [ -n "$major" ] && [ "$major" -ge 17 ]; then
        exit 0
    fi
    echo "ensure_java: found Java ${major:-?}, Spark 4 needs 17 or newer; installing OpenJDK 17" >&2
fi
here="$(dirname "$0")"
sh "$here/apt_install.sh" default-jre-headless || sh "$here/apt_install.sh" openjdk-17-jre-headless
java -version
