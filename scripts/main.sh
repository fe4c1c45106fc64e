#!/usr/bin/env bash
# The main job: sets up what is missing, then runs seal's benchmark against PyTorch.
# (It becomes the SEAL / LLF / normal comparison once training lands; see the README's status.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node dist/src/cli/main.js info
npm run --silent bench
