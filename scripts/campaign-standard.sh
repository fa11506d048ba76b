#!/usr/bin/env bash
# The long pretraining campaign of the paper's `standard` architecture (128 wide, 6 layers,
# 4 heads, 81 points) on Chebyshev degree 0..11, run in pieces across sessions:
#
#   nice -n 19 bash scripts/campaign-standard.sh [STEPS]
#
# The first call starts the run; every later call continues it exactly from
# models/standard-chebyshev.safetensors (`polyicl train --resume`), which is saved
# atomically every 200 steps with its optimiser state, schedule, curriculum position and
# random stream, so a piece may be stopped at any time (Ctrl-C or SIGTERM save at once;
# kill -9 loses at most 200 steps). STEPS (default 40,000) is the run's planned length;
# a larger value given to a later call extends the cosine schedule over the new length.
#
# The recipe: Adam lr 5e-4, 1,000 warm-up steps then a half cosine to 0 at the last step,
# gradient norm clipped at 1, batch 64, curriculum 5 points + 2 every 400 steps up to 81
# (reached at step 15,200), seed 2026. Each piece appends its progress lines and its
# wall-clock and CPU seconds to models/standard-chebyshev.log.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# CAMPAIGN_BIN: a copy of the binary, so that rebuilding the project does not touch the running one.
bin="${CAMPAIGN_BIN:-.build/release/polyicl}"
out=models/standard-chebyshev.safetensors
log=models/standard-chebyshev.log
steps="${1:-40000}"

if [ -f "$out" ]; then
  command=("$bin" train --resume "$out" --steps "$steps" --save-every 200 --out "$out")
else
  command=("$bin" train --preset standard --task chebyshev --degree 0..11 \
    --steps "$steps" --batch 64 --lr 5e-4 --schedule cosine --warmup 1000 --clip 1 \
    --curriculum 5..81 --every 400 --curriculum-step 2 --seed 2026 --save-every 200 --out "$out")
fi
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) ${command[*]}" >> "$log"
TIMEFORMAT="== piece ended: %R s wall, %U s user, %S s system"
{ time "${command[@]}" ; } 2>> "$log" || status=$?
exit "${status:-0}"
