#!/usr/bin/env bash
# The README's benchmark command: installs what is missing (python3-torch, the PyTorch peer, included), builds
# Release and runs one distill-bench suite: engine (the default) or training. It prints a Markdown table; --json
# prints JSON.
#   ./eng/bench.sh [suite] [--json] [--python PATH]
# DISTILL_THREADS sets the libtorch threads of both sides (default: every core).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
suite=engine
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
    suite=$1
    shift
fi
# Only the report goes to stdout, so `--json > report.json` works.
"$root/eng/setup.sh" --bench >&2
cd "$root"
dotnet build bench/Distill.Bench -c Release -v quiet -nologo -clp:ErrorsOnly >&2
exec dotnet "$root/bench/Distill.Bench/bin/Release/net10.0/distill-bench.dll" "$suite" "$@"
