#!/usr/bin/env bash
# The GPU check, one command on a machine with an NVIDIA GPU, a python3 whose torch has CUDA and
# a C++ compiler; no Node and no network needed (scripts/device-pack.sh made device-pack/ here).
#   bash scripts/device-check.sh [OUT_DIR]       (default: $OUT, else device-results/)
# It builds the addon against that python's libtorch with g++ directly (no node-gyp), prints
# `seal info`, trains SEAL for two generations on small synthetic data on the GPU, and runs the
# side-by-side bench against PyTorch on the same GPU. Everything goes to OUT_DIR (log.txt,
# libtorch.json, info.txt, train.json, bench.json). SEAL_CHECK_DEVICE=cpu runs the same steps on
# the CPU against the default libtorch, to try the mechanics on a machine without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-device-results}}
mkdir -p "$out"
device=${SEAL_CHECK_DEVICE:-cuda}
log() { echo "device-check: $*" | tee -a "$out/log.txt" >&2; }
t0=$(date +%s)

# 1. Node and the built JavaScript: from the pack where there is one, else this machine's.
if [ -d device-pack ]; then
  mkdir -p /tmp/seal-node/bin
  xz -dc device-pack/node.xz >/tmp/seal-node/bin/node
  chmod +x /tmp/seal-node/bin/node
  export PATH=/tmp/seal-node/bin:$PATH
  rm -rf dist && cp -r device-pack/dist dist
  napi=device-pack/include/napi node_h=device-pack/include/node
else
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  napi=node_modules/node-addon-api node_h=$prefix/include/node
fi
log "node $(node --version); device $device"

# 2. The libtorch: a CUDA check builds against python3's torch unless LIBTORCH says otherwise.
if [ "$device" != cpu ]; then export LIBTORCH=${LIBTORCH:-python}; fi
node scripts/libtorch-config.cjs json >"$out/libtorch.json"
log "libtorch: $(tr -d '\n ' <"$out/libtorch.json")"

# 3. The addon, compiled in parallel, with the flags binding.gyp would use.
read -r -a includes <<<"$(node scripts/libtorch-config.cjs includes)"
read -r -a defines <<<"$(node scripts/libtorch-config.cjs defines)"
read -r -a libraries <<<"$(node scripts/libtorch-config.cjs libraries)"
std=$(node scripts/libtorch-config.cjs std)
cflags=("$std" -O2 -fPIC -fexceptions -frtti -Wno-unused-parameter -Wno-deprecated-declarations
  -DNAPI_CPP_EXCEPTIONS -DNAPI_EXPERIMENTAL -DBUILDING_NODE_EXTENSION -DNODE_GYP_MODULE_NAME=seal
  "${defines[@]/#/-D}" "-I$napi" "-I$node_h" "${includes[@]/#/-I}")
mkdir -p build/Release build/device-obj
pids=()
for src in native/*.cc; do
  g++ "${cflags[@]}" -c "$src" -o "build/device-obj/$(basename "$src" .cc).o" 2>>"$out/build.txt" &
  pids+=($!)
done
for p in "${pids[@]}"; do
  if ! wait "$p"; then
    log "build failed: $out/build.txt"
    tail -n 40 "$out/build.txt" >&2
    exit 1
  fi
done
g++ -shared build/device-obj/*.o "${libraries[@]}" -o build/Release/seal.node 2>>"$out/build.txt"
log "addon built in $(($(date +%s) - t0)) s"
node dist/src/cli/main.js info | tee "$out/info.txt"

# 4. Two generations of SEAL on the device, on small synthetic data (no dataset files there).
node --input-type=module -e "
import { train } from './dist/src/index.js';
import { tinyData } from './dist/test/support/tiny-data.js';
const t = performance.now();
const r = await train({ method: 'seal', model: 'resnet18-cifar', width: 0.25, generations: 2, epochs: 3, batchSize: 64,
  evalInterval: 1, device: '$device' }, { data: tinyData({ train: 2048, test: 512, size: 32 }) });
console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, rows: r.rows }));
" | tail -n 1 >"$out/train.json"
log "SEAL trained on $device: $(head -c 200 "$out/train.json")"

# 5. Side by side with PyTorch on the same device (synthetic workloads).
SEAL_BENCH_DEVICE=$device SEAL_PYTHON=${SEAL_PYTHON:-python3} SEAL_BENCH_ONLY=${SEAL_BENCH_ONLY:-resnet18_cifar,small_cnn,matmul_2048} \
  node dist/bench/bench.js | tee "$out/bench.txt" | tail -n 1 >"$out/bench.json"
log "bench: $(cat "$out/bench.json")"
log "done in $(($(date +%s) - t0)) s"
