#!/usr/bin/env sh
# Lays out the function app's deployment package for Flex Consumption's custom runtime (azd's prepackage hook runs it
# from functions/Distill.Functions; azure.yaml's `dist` names the folder). Usage: eng/package-functions.sh [OUT_DIR]
#   OUT_DIR/host.json                  the host configuration (customHandler starts `sh start.sh`)
#   OUT_DIR/start.sh                   copies the handler to a writable folder, sets its execute bit, starts it
#   OUT_DIR/<Function>/function.json   one folder per function
#   OUT_DIR/handler/                   `dotnet publish -r linux-x64 --self-contained` of Distill.Functions
# A zip deployment loses execute bits, hence the launcher read by `sh`.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/functions/Distill.Functions"
out=${1:-"$project/bin/azd-package"}
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac

fail() { echo "package-functions: $*" >&2; exit 1; }
[ -f "$project/Distill.Functions.csproj" ] || fail "$project/Distill.Functions.csproj not found"
[ -f "$project/host.json" ] || fail "$project/host.json not found"
grep -q '"customHandler"' "$project/host.json" || fail "$project/host.json has no customHandler section"

rm -rf "$out"
mkdir -p "$out"
dotnet publish "$project/Distill.Functions.csproj" -c Release -r linux-x64 --self-contained true -o "$out/handler" -nologo
[ -f "$out/handler/Distill.Functions" ] || fail "the publish did not produce handler/Distill.Functions"

cp "$project/host.json" "$out/host.json"
if [ -f "$project/start.sh" ]; then
    cp "$project/start.sh" "$out/start.sh"
else
    cat >"$out/start.sh" <<'LAUNCHER'
#!/bin/sh
# Started by the Functions host (host.json: customHandler.description = sh start.sh). The package is mounted read-only
# and without execute bits: run the handler from a writable copy.
set -e
rm -rf /tmp/distill-handler
cp -r ./handler /tmp/distill-handler
chmod +x /tmp/distill-handler/Distill.Functions
exec /tmp/distill-handler/Distill.Functions --urls "http://127.0.0.1:${FUNCTIONS_CUSTOMHANDLER_PORT}"
LAUNCHER
fi

count=0
for definition in "$project"/*/function.json; do
    [ -f "$definition" ] || continue
    name=$(basename "$(dirname "$definition")")
    mkdir -p "$out/$name"
    cp "$definition" "$out/$name/function.json"
    count=$((count + 1))
done
[ "$count" -gt 0 ] || fail "no <Function>/function.json under $project"
echo "package-functions: $count functions and the handler in $out"
