#!/usr/bin/env bash
# One point of the standard campaign's learning curve: evaluates the current
# models/standard-chebyshev.safetensors on 12,800 prompts of 31 points (Chebyshev degree
# 0..11, seed 4242) with the model-minus-ridge(0.2) difference paired prompt by prompt, and
# appends the steps done, the CPU seconds spent so far (from the campaign log) and the errors
# at 10, 20 and 30 context points (with the paired difference's bootstrap interval) to models/standard-chebyshev-curve.csv. The full table of
# each evaluation is kept as models/standard-chebyshev-eval-STEPS.csv.
#
#   nice -n 19 bash scripts/campaign-curve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bin="${CAMPAIGN_BIN:-.build/release/polyicl}"
checkpoint=models/standard-chebyshev.safetensors
curve=models/standard-chebyshev-curve.csv
steps=$("$POLYICL_PYTHON" - "$checkpoint" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read(1 << 22)
header = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])
print(json.loads(header["__metadata__"]["training_state"])["completed_steps"])
PY
)
table="models/standard-chebyshev-eval-$steps.csv"
"$bin" eval --checkpoint "$checkpoint" --task chebyshev --degree 0..11 --points 31 --samples 12800 --seed 4242 \
  --baselines "ridge:0.2" --paired "ridge 0.2" --csv "$table" > /dev/null
# CPU seconds (user + system) of every finished piece, from the "== piece ended" lines of the
# log, plus those of the piece running now, if one is.
cpu=$(awk '/^== piece ended/ { total += $7 + $10 } END { printf "%.0f", total }' models/standard-chebyshev.log)
running=$(pgrep -f "train --resume $checkpoint" | head -n 1 || true)
if [ -n "$running" ]; then cpu=$((cpu + $(ps -o cputimes= -p "$running" | tr -d ' '))); fi
"$POLYICL_PYTHON" - "$table" "$steps" "$cpu" "$curve" <<'PY'
import csv, os, sys
table, steps, cpu, curve = sys.argv[1:]
rows = {int(r["position"]): r for r in csv.DictReader(open(table))}
fields = ["steps", "cpu_seconds"] + [f"{who}_{k}" for k in (10, 20, 30) for who in ("model", "ridge", "difference_low", "difference_high")]
line = {"steps": steps, "cpu_seconds": cpu}
for k in (10, 20, 30):
    r = rows[k]
    line[f"model_{k}"] = r["model mean"]
    line[f"ridge_{k}"] = r["ridge 0.2 mean"]
    line[f"difference_low_{k}"] = r["model \u2212 ridge 0.2 lower"]
    line[f"difference_high_{k}"] = r["model \u2212 ridge 0.2 upper"]
new = not os.path.exists(curve)
with open(curve, "a", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=fields)
    if new:
        writer.writeheader()
    writer.writerow(line)
print(f"step {steps}: error at 10/20/30 points {line['model_10']}, {line['model_20']}, {line['model_30']}")
PY
