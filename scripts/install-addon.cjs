// npm's install step: builds the native addon (node-gyp rebuild) unless build/Release/seal.node
// is newer than every native source and was built for the same libtorch selection and Node ABI.
// `npx seal` inside the checkout installs this package into npm's npx cache, which runs this step
// in the checkout; an unconditional rebuild there took minutes and replaced the addon under any
// process using it. `npm run build` (or SEAL_REBUILD=1) always rebuilds.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const addon = join(root, 'build', 'Release', 'seal.node');
const stampFile = join(root, 'build', 'seal-build.json');
const stamp = JSON.stringify({ LIBTORCH: process.env.LIBTORCH ?? null, abi: process.versions.modules });
const sources = [
  'binding.gyp',
  'scripts/libtorch-config.cjs',
  ...readdirSync(join(root, 'native')).map((f) => `native/${f}`),
];

function upToDate() {
  if (!existsSync(addon) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) return false;
  const built = statSync(addon).mtimeMs;
  return sources.every((s) => statSync(join(root, s)).mtimeMs <= built);
}

if (process.env.SEAL_REBUILD !== '1' && upToDate()) {
  console.log('seal: the native addon is up to date (build/Release/seal.node); SEAL_REBUILD=1 rebuilds it');
  process.exit(0);
}
// Node's own headers, from the Node that runs this (a distribution package: /usr/include/node; a
// binary archive: <prefix>/include/node), so node-gyp never fetches them from the network.
const prefix = join(process.execPath, '..', '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const r = spawnSync('node-gyp', ['rebuild', ...nodedir], { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(
    `seal: cannot run node-gyp (${r.error.message}); it comes with npm: run this through npm install / npm ci`,
  );
  process.exit(1);
}
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(stampFile, stamp);
