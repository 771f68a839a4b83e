#!/usr/bin/env bash
# Builds Distill's native shim (gpu-runner/native) with CMake. Called by the Distill.Torch project when the shim's
# sources change; safe to run by hand. Usage: eng/build-native.sh OUT_DIR [cuda LIBTORCH_PREFIX]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-native.sh OUT_DIR [cuda LIBTORCH_PREFIX]}
mode=${2:-cpu}
prefix=${3:-}

fail() { echo "error DISTILL001: $*" >&2; exit 1; }
command -v cmake >/dev/null || fail "cmake is not installed; run ./eng/setup.sh (or: sudo apt-get install cmake g++)"
command -v g++ >/dev/null || fail "g++ is not installed; run ./eng/setup.sh (or: sudo apt-get install g++)"
if [ "$mode" = cpu ] && [ ! -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ] && [ -z "${Torch_DIR:-}" ]; then
    fail "libtorch is not installed; run ./eng/setup.sh (or: sudo apt-get install libtorch-dev libopenblas0-pthread)"
fi

args=(-S "$root/gpu-runner/native" -B "$out" -DCMAKE_BUILD_TYPE=Release)
if [ "$mode" = cuda ]; then
    args+=(-DDISTILL_CUDA=ON)
    [ -n "$prefix" ] && args+=("-DCMAKE_PREFIX_PATH=$prefix")
fi

mkdir -p "$out"
# Several projects may build at once; one CMake run at a time per build folder.
exec 9>"$out/.lock"
flock 9
if [ ! -f "$out/CMakeCache.txt" ]; then
    cmake "${args[@]}" >"$out/configure.log" 2>&1 || { cat "$out/configure.log" >&2; fail "configuring the native shim failed (log above)"; }
fi
cmake --build "$out" -j "$(nproc)" 2>&1 | grep -vE '^\[ *[0-9]+%\] (Building|Linking)|^Consolidate compiler|^Scanning' || true
[ -f "$out/libdistilltorch.so" ] || fail "the native shim did not build (see the compiler output above)"
touch "$out/libdistilltorch.so"
