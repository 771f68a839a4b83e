#!/usr/bin/env bash
# Builds the Functions app's deployment package: the folder the Functions host runs from (its wwwroot).
#
#   eng/publish-functions.sh [--out DIR] [--zip FILE]
#
# DIR (default functions/Distill.Functions/publish, the folder azd deploys) receives:
#   host.json, start.sh          the host's settings and the launcher (customHandler runs "sh start.sh")
#   <Function>/function.json     one folder per function (its trigger binding)
#   handler/                     the app, published self-contained for linux-x64 (no .NET runtime on the host)
# --zip also packs DIR's contents into FILE (the files at the zip's root), for a zip deployment without azd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app="$root/functions/Distill.Functions"
out="$app/publish"
zip_file=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$(realpath -m "$2"); shift 2 ;;
        --zip) zip_file=$(realpath -m "$2"); shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "publish-functions.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

rm -rf "$out"
mkdir -p "$out"
dotnet publish "$app/Distill.Functions.csproj" -c Release -r linux-x64 --self-contained true \
    -o "$out/handler" -nologo -v quiet -clp:ErrorsOnly
cp "$app/host.json" "$app/start.sh" "$out/"
for definition in "$app"/*/function.json; do
    name=$(basename "$(dirname "$definition")")
    case "$name" in bin|obj|publish) continue ;; esac
    mkdir -p "$out/$name"
    cp "$definition" "$out/$name/"
done
# Execute bits for deployments that keep them (a container image); start.sh copes with a zip that drops them.
chmod +x "$out/start.sh" "$out/handler/Distill.Functions"

if [ -n "$zip_file" ]; then
    rm -f "$zip_file"
    command -v zip > /dev/null || { echo "publish-functions.sh: --zip needs the zip command" >&2; exit 1; }
    (cd "$out" && zip -qrX "$zip_file" .)
    echo "$zip_file"
fi
echo "$out"
