#!/usr/bin/env bash
# Set-up: installs dependencies, builds, and puts kubectl-odoo (and its completion helper) on the PATH
# so that `kubectl odoo ...` and `kubectl plugin list` find it.
#   PREFIX=/some/bin scripts/install.sh   to choose where the links go
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("kubectl-odoo needs Node.js >= 20.19 (found "+process.version+")"); process.exit(1) }'
npm ci --no-audit --no-fund
npm run build
if [ -z "${PREFIX:-}" ]; then
  if [ -w /usr/local/bin ]; then PREFIX=/usr/local/bin; else PREFIX="$HOME/.local/bin"; fi
fi
mkdir -p "$PREFIX"
ln -sf "$PWD/dist/kubectl-odoo" "$PREFIX/kubectl-odoo"
ln -sf "$PWD/dist/kubectl_complete-odoo" "$PREFIX/kubectl_complete-odoo"
echo "installed: $PREFIX/kubectl-odoo and $PREFIX/kubectl_complete-odoo"
case ":$PATH:" in *":$PREFIX:"*) ;; *) echo "note: $PREFIX is not on your PATH; add it so kubectl finds the plugin";; esac
