#!/usr/bin/env bash
# The main job: sets up what is missing, then trains SEAL on Fashion-MNIST (the built-in
# default data) with a narrow ResNet-18, a few minutes on 2 CPU cores. Extra arguments go to
# `seal train` (e.g. --method llf). It becomes the SEAL / LLF / normal comparison once
# `seal compare` lands (see the README's status).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="runs/main-$(date +%Y%m%d-%H%M%S)"
node dist/src/cli/main.js train --method seal --dataset fashion-mnist --model resnet18 --width 0.25 \
  --generations 3 --epochs 6 --batch-size 64 --limit-train 10000 --limit-test 2000 --eval-interval 1 \
  --out "$out" "$@"
