#!/usr/bin/env bash
# Make sure what the test suite needs is present. Under CI=true nothing may be
# missing: PostgreSQL must answer, Java must run Spark, Debian's chromium must exist.
set -euo pipefail

need() { # what, check-command
  if ! eval "$2" >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then echo "ensure-test-services: $1 is required under CI=true" >&2; exit 1; fi
    echo "ensure-test-services: $1 not available; its tests will be skipped" >&2
  fi
}

# Debian's chromium for the browser tests (never a Playwright browser download).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "ensure-test-services: installing Debian's chromium" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) || true
fi
# PostgreSQL at 127.0.0.1:5432: start the machine's cluster if it is installed but stopped.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi

need "PostgreSQL at 127.0.0.1:5432" "pg_isready -q -h 127.0.0.1 -p 5432"
need "Java 17 (for Spark)" "java -version"
need "Debian's chromium" "test -x /usr/bin/chromium"
