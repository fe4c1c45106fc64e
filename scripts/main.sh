#!/usr/bin/env bash
# The main job: sets up what is missing, then compares normal training, LLF and SEAL on
# Fashion-MNIST (the built-in default data): 3 methods x 3 seeds of a narrow ResNet-18, every
# generation evaluated (source accuracy, transfer to MNIST, few-shot, prediction depth,
# sharpness). About 4 minutes on 2 CPU cores. It ends with the headline table and the path of
# the report. Running it again resumes or, when finished, just prints the table again.
# Extra arguments go to `seal compare` (e.g. --preset large --out runs/compare-large).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=runs/compare-default
for a in "$@"; do [ "$a" = "--out" ] && out=""; done
node dist/src/cli/main.js compare --preset default ${out:+--out "$out"} "$@"
