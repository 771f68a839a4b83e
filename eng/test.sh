#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything (the native shim included) and runs
# every test. Extra arguments go to `dotnet test` (for example: --filter-class '*SafeTensors*').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/eng/setup.sh" --test
export DISTILL_REQUIRE_ALL=1
# Test models are tiny and the test assemblies run side by side: one libtorch thread each keeps the cores from being
# oversubscribed (two threads per process made the suite up to ten times slower on a loaded two-core machine).
export DISTILL_THREADS=${DISTILL_THREADS:-1}
export DISTILL_NODE_MODULES="$root/artifacts/node/node_modules"
cd "$root"
dotnet test --solution Cloud.sln -c Release "$@"
