#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything (the native shim included) and runs
# every test. Extra arguments go to `dotnet test` (for example: --filter-class '*SafeTensors*').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/eng/setup.sh" --test
export DISTILL_REQUIRE_ALL=1
export DISTILL_NODE_MODULES="$root/artifacts/node/node_modules"
cd "$root"
dotnet test --solution Cloud.sln -c Release "$@"
