#!/usr/bin/env bash
# Packs what scripts/device-check.sh needs on a GPU machine that has a python3 with a CUDA torch
# and a C++ compiler but no Node and no network: device-pack/ (ignored by git, about 30 MiB)
# with an xz-compressed Node binary, Node's N-API headers, node-addon-api's headers and the
# built JavaScript. Send it along with the checkout (the device tool's `carry: ["device-pack"]`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null # dist/ and node_modules/, built
rm -rf device-pack
mkdir -p device-pack/include/node device-pack/include/napi
node_bin=$(readlink -f "$(command -v node)")
prefix=$(dirname "$(dirname "$node_bin")")
xz -T0 -6 -c "$node_bin" >device-pack/node.xz
for h in js_native_api.h js_native_api_types.h node_api.h node_api_types.h; do
  cp "$prefix/include/node/$h" device-pack/include/node/
done
cp node_modules/node-addon-api/*.h device-pack/include/napi/
cp -r dist device-pack/dist
node --version >device-pack/node-version
size=$(du -sm device-pack | cut -f1)
echo "device-pack: $size MiB ($(cat device-pack/node-version) from $node_bin, N-API headers, dist/)"
if [ "$size" -gt 60 ]; then
  echo "device-pack: over the 60 MiB the device machine's transfer allows" >&2
  exit 1
fi
