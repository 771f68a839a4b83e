#!/usr/bin/env bash
# The method comparison of docs/comparison: installs what is missing (Debian's fortunes included), builds Release,
# trains the teacher on the fortune files with `distill train-teacher` into artifacts/compare/teacher (kept: delete the
# folder to train it again), then distils it with every method and 3 seeds with `distill compare` into docs/comparison/.
#   ./eng/compare.sh [more distill compare options, e.g. --methods ce,kd --seeds 1 --out /tmp/comparison]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
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

teacher="$root/artifacts/compare/teacher"
if [ -f "$teacher/model.safetensors" ]; then
    echo "compare: using the teacher in $teacher"
else
    # GPT-2, 4 layers × 128, a 4096-token BPE vocabulary, context 128: 1.3M parameters, about 1.5 epochs of the corpus.
    "${distill[@]}" train-teacher --data "${data[@]}" --document-separator % --out "$teacher" \
        --layers 4 --hidden 128 --heads 4 --vocab-size 4096 --block-size 128 --batch-size 16 --steps 600 --lr 2e-3 --warmup 30
fi
echo "compare: teacher ready after $((SECONDS / 60)):$(printf '%02d' $((SECONDS % 60)))"

# Students of half the layers and half the width (about 0.28 × the teacher's parameters), 200 steps of 8 blocks each.
"${distill[@]}" compare --teacher "$teacher" --data "${data[@]}" --document-separator % \
    --seeds 3 --steps 200 --batch-size 8 --lr 2e-3 --eval-blocks 100 \
    --cache "$root/artifacts/compare/cache" --out "$root/docs/comparison" "$@"
echo "compare: done in $((SECONDS / 60)):$(printf '%02d' $((SECONDS % 60)))"
