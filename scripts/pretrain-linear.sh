#!/usr/bin/env bash
# Trains models/linear-d5.safetensors, the linear-regression model notebook 06 loads:
# a 3-layer, 64-wide, 2-head transformer reading 5-dimensional x, 4000 Adam steps on
# y = w.x (scripts/pretrain-linear.icl holds the exact commands). About 4 minutes of CPU;
# run at low priority so it does not starve other work on a shared machine.
#
#   bash scripts/pretrain-linear.sh            # uses .build/release/polyicl
#   POLYICL_BIN=/path/to/polyicl bash scripts/pretrain-linear.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${POLYICL_BIN:-$PWD/.build/release/polyicl}"  # read before env.sh sets its default
source scripts/env.sh
mkdir -p models
# Paths in the script are relative to the script's directory (scripts/).
out="$(mktemp -d)"  # the run's figures (the training-loss chart) are not kept
nice -n 10 "$bin" run scripts/pretrain-linear.icl --out "$out"
echo "wrote models/linear-d5.safetensors"
