#!/bin/sh
# Starts the Distill Functions app under the Functions host (host.json: customHandler runs "sh start.sh" in the
# package's root). The app is published self-contained for linux-x64 in ./handler, so no .NET runtime is needed on the
# host. A zip deployment loses the files' execute bits and the package is mounted read-only, so when the binary is not
# executable the handler folder is copied to a writable place first and made executable there.
set -eu
app_root=${FUNCTIONS_APP_ROOT_PATH:-$(pwd)}
handler="$app_root/handler"
binary=Distill.Functions
if [ ! -f "$handler/$binary" ]; then
    echo "start.sh: $handler/$binary is missing; deploy the folder eng/publish-functions.sh writes" >&2
    exit 1
fi
if [ ! -x "$handler/$binary" ]; then
    copy="${TMPDIR:-/tmp}/distill-functions-handler"
    stamp=$(cksum < "$handler/$binary.dll" | cut -d ' ' -f 1)
    if [ ! -x "$copy/$binary" ] || [ "$(cat "$copy/.stamp" 2>/dev/null || true)" != "$stamp" ]; then
        rm -rf "$copy"
        mkdir -p "$copy"
        cp -R "$handler/." "$copy/"
        chmod +x "$copy/$binary"
        echo "$stamp" > "$copy/.stamp"
    fi
    handler=$copy
fi
# The app listens on FUNCTIONS_CUSTOMHANDLER_PORT itself (Program.cs); the host passes it in the environment.
exec "$handler/$binary"
