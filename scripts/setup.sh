#!/usr/bin/env bash
# Installs what seal needs on Debian 12 with Node 20, doing only what is missing:
# Debian packages (libtorch, PyTorch for the reference tests, OpenBLAS, Fashion-MNIST),
# npm dependencies, the native addon and the TypeScript build. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "seal setup: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# libopenblas0-openmp: libtorch links libblas.so.3, which is the slow reference BLAS unless an
# OpenBLAS is installed; the OpenMP flavour shares libtorch's threads instead of competing.
# chromium (only with --with-browser, for the tests): the report is checked in a real browser.
packages=(g++ make python3 libtorch-dev python3-torch libopenblas0-openmp dataset-fashion-mnist)
if [ "${1:-}" = "--with-browser" ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "seal setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "seal setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci builds the addon (install script) and the TypeScript (prepare script).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ ! -f build/Release/seal.node ]; then
  echo "seal setup: npm ci (builds the native addon against libtorch; about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
elif [ ! -f dist/src/index.js ] || [ -n "$(find src test bench -name '*.ts' -newer dist/src/index.js 2>/dev/null | head -n 1)" ]; then
  npx tsc -p tsconfig.json
fi

# Two small transfer / few-shot targets, extracted from Debian packages without installing them.
bash scripts/extract-digits.sh

# The `seal` command on the PATH: a link to this checkout's CLI (in /usr/local/bin as root, else
# in ~/.local/bin when that is on the PATH), unless a `seal` command is already there.
cli="$(pwd)/dist/src/cli/main.js"
chmod +x "$cli"
if ! command -v seal >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    ln -sf "$cli" /usr/local/bin/seal
    echo "seal setup: the seal command is /usr/local/bin/seal"
  elif [ -d "$HOME/.local/bin" ] && [[ ":$PATH:" == *":$HOME/.local/bin:"* ]]; then
    ln -sf "$cli" "$HOME/.local/bin/seal"
    echo "seal setup: the seal command is $HOME/.local/bin/seal"
  else
    echo "seal setup: to have the seal command on your PATH: sudo ln -s $cli /usr/local/bin/seal"
  fi
fi
