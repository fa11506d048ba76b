#!/usr/bin/env bash
# Trains models/medium-chebyshev.safetensors: the `medium` preset (128 wide, 4 layers,
# 4 heads) with 41 points, on random Chebyshev polynomials of degree 0..11 (the paper's
# pretraining task), with the paper's curriculum shortened (5 points, +2 every 300 steps,
# up to 41), Adam at lr 1e-3 with warm-up and cosine decay, gradient norm clipped at 1,
# batch 64. Then evaluates it on 1,280 prompts of 31 points against least squares and
# ridge 0.2. The same recipe as scripts/pretrain.sh, one size up.
# Run from anywhere: bash scripts/pretrain-medium.sh [STEPS] (default 12000).
# Ctrl-C stops after the current step and keeps what was done (the checkpoint's
# training_history then says interrupted: true).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
steps="${1:-12000}"
bin="${POLYICL_BIN:-.build/release/polyicl}"
out=models/medium-chebyshev.safetensors

"$bin" train --preset medium --points 41 --task chebyshev --degree 0..11 \
  --steps "$steps" --batch 64 --lr 1e-3 --schedule cosine --warmup 500 --clip 1 \
  --curriculum 5..41 --every 300 --curriculum-step 2 \
  --seed 2026 --save-every 500 --out "$out" || status=$?

"$bin" eval --checkpoint "$out" --task chebyshev --degree 0..11 --points 31 --samples 1280 --seed 1 \
  --csv models/medium-chebyshev-eval.csv
exit "${status:-0}"
