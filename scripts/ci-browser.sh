#!/usr/bin/env bash
# For .ci/run: installs Chromium when it is missing, then runs the browser tests, writing vitest's
# JSON report to $1. Exits with the tests' status.
set -uo pipefail
cd "$(dirname "$0")/.."
report="${1:?usage: scripts/ci-browser.sh <json-report-path>}"
if [ -z "${SUPPORT_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is missing: installing it with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 ||
    echo "could not install chromium: the browser tests will fail"
fi
npm run -s test:browser -- --reporter=default --reporter=json --outputFile.json="$report"
