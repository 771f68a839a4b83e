#!/usr/bin/env bash
# The method comparison of docs/comparison: installs what is missing (Debian's fortunes included), builds Release,
# trains the teacher on the fortune files with `distill train-teacher` into artifacts/compare/teacher (kept: delete the
# folder to train it again), then distils it with every method and 3 seeds with `distill compare` into docs/comparison/.
#   ./eng/compare.sh [distill compare options, replacing the defaults below or added to them]
#   e.g. ./eng/compare.sh --methods ce,kd --seeds 1 --out /tmp/comparison
# libtorch runs on one thread (DISTILL_THREADS, unless set): each run's CPU time is then close to the wall-clock it
# would take on an idle core, whatever else shares the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DISTILL_THREADS=${DISTILL_THREADS:-1}
TIMEFORMAT='%R s wall-clock, %U s user CPU, %S s system CPU'
SECONDS=0
"$root/eng/setup.sh" --compare
cd "$root"
dotnet build src/Distill.Cli -c Release -v quiet -nologo -clp:ErrorsOnly
distill=(dotnet "$root/src/Distill.Cli/bin/Release/net10.0/distill.dll")

# The plain fortune files: not the .dat indexes (binary) nor the .u8 files (symbolic links to the same files). Fortunes are
# separated by lines holding only %.
fortunes=/usr/share/games/fortunes
mapfile -t data < <(find "$fortunes" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' | sort)
if [ ${#data[@]} -eq 0 ]; then
    echo "compare: no fortune files in $fortunes" >&2
    exit 1
fi

teacher=artifacts/compare/teacher
if [ -f "$teacher/model.safetensors" ]; then
    echo "compare: using the teacher in $teacher"
else
    # GPT-2, 4 layers × 128, a 4096-token BPE vocabulary, context 128: 1.3M parameters, 600 steps of 16 blocks.
    time "${distill[@]}" train-teacher --data "${data[@]}" --document-separator % --out "$teacher" \
        --layers 4 --hidden 128 --heads 4 --vocab-size 4096 --block-size 128 --batch-size 16 --steps 600 --lr 2e-3 --warmup 30
fi
echo "compare: teacher ready after $((SECONDS / 60)):$(printf '%02d' $((SECONDS % 60)))"

# Students of half the layers and half the width (about 0.28 × the teacher's parameters), the same steps of 8 blocks
# each. An option given to the script replaces its default here.
keys=(--seeds --steps --batch-size --lr --eval-blocks --cache --out)
declare -A value=([--seeds]=3 [--steps]=150 [--batch-size]=8 [--lr]=2e-3 [--eval-blocks]=64
    [--cache]=artifacts/compare/cache [--out]=docs/comparison)
extra=()
while [ $# -gt 0 ]; do
    if [ -n "${value[$1]+set}" ] && [ $# -ge 2 ]; then
        value[$1]=$2
        shift 2
    else
        extra+=("$1")
        shift
    fi
done
options=()
for key in "${keys[@]}"; do
    options+=("$key" "${value[$key]}")
done
time "${distill[@]}" compare --teacher "$teacher" --data "${data[@]}" --document-separator % "${options[@]}" "${extra[@]}"
echo "compare: done in $((SECONDS / 60)):$(printf '%02d' $((SECONDS % 60)))"
