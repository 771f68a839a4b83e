#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs `distill demo`.
# Extra arguments go to the demo (see `./eng/demo.sh --help`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/eng/setup.sh"
cd "$root"
dotnet build src/Distill.Cli -c Release -v quiet -nologo -clp:ErrorsOnly
exec dotnet "$root/src/Distill.Cli/bin/Release/net10.0/distill.dll" demo "$@"
