#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
npm test
