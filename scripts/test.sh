#!/usr/bin/env bash
# The whole test suite, on a fresh clone or a developer machine: installs what the tests need
# (npm packages; as root, the Debian packages for sshd, PostgreSQL, LVM and filesystem tools),
# builds, and runs every test. Under CI=true no test may skip.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
scripts/test-deps.sh
npm run build
npx tsc --noEmit -p tsconfig.json
npx vitest run "$@"
