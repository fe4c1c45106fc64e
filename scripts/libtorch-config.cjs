#!/usr/bin/env node
// Prints build flags for the native addon, for binding.gyp's <!@(...) expansions.
// Default: Debian's libtorch-dev (headers under /usr/include, libraries on the system path).
// LIBTORCH=/path selects another libtorch: an official archive (include/, lib/) or the torch
// folder of a Python install (site-packages/torch, which has the same layout); CUDA builds
// are detected by their libtorch_cuda library and linked so that their CUDA hooks register.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function fail(msg) {
  process.stderr.write(`seal build: ${msg}\n`);
  process.exit(1);
}

function findLib(dir, name) {
  if (!fs.existsSync(dir)) return null;
  const hit = fs
    .readdirSync(dir)
    .find(
      (f) =>
        f === `lib${name}.so` || f.startsWith(`lib${name}.so.`) || (f.startsWith(`lib${name}-`) && f.endsWith('.so')),
    );
  return hit ? path.join(dir, hit) : null;
}

function resolve() {
  const env = process.env.LIBTORCH;
  if (env) {
    let root = path.resolve(env);
    if (!fs.existsSync(path.join(root, 'include')) && fs.existsSync(path.join(root, 'torch', 'include')))
      root = path.join(root, 'torch');
    const api = path.join(root, 'include', 'torch', 'csrc', 'api', 'include');
    if (!fs.existsSync(api)) {
      fail(
        `LIBTORCH=${env}: expected a libtorch folder with include/torch/csrc/api/include and lib/ ` +
          `(the official archive, or site-packages/torch of a Python install), but ${api} does not exist.\n` +
          "hint: unset LIBTORCH to build against Debian's libtorch-dev.",
      );
    }
    return { root, includes: [path.join(root, 'include'), api], libDir: path.join(root, 'lib') };
  }
  const api = '/usr/include/torch/csrc/api/include';
  if (!fs.existsSync(api)) {
    fail(
      `libtorch headers not found at ${api}.\nhint: apt-get install -y libtorch-dev (as root), or set LIBTORCH=/path/to/libtorch.`,
    );
  }
  const libDir =
    ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].find((d) => findLib(d, 'torch')) ??
    '/usr/lib';
  return { root: '/usr', includes: [api], libDir, system: true };
}

const cfg = resolve();
const c10 = findLib(cfg.libDir, 'c10');
if (!c10) fail(`libc10 not found in ${cfg.libDir}; the libtorch installation looks incomplete.`);
const cuda = findLib(cfg.libDir, 'torch_cuda') !== null;
// Official pre-cxx11 archives and older pip wheels use the old std::string ABI; match whatever libc10 was built with.
const cxx11 = fs.readFileSync(c10).includes('cxx11') ? 1 : 0;

const what = process.argv[2];
if (what === 'includes') {
  console.log(cfg.includes.join(' '));
} else if (what === 'defines') {
  console.log([`_GLIBCXX_USE_CXX11_ABI=${cxx11}`, `SEAL_LIBTORCH_CUDA=${cuda ? 1 : 0}`].join(' '));
} else if (what === 'libraries') {
  const libs = [`-L${cfg.libDir}`];
  if (!cfg.system) libs.push(`-Wl,-rpath,${cfg.libDir}`);
  if (cuda) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  libs.push('-ltorch', '-ltorch_cpu', '-lc10');
  console.log(libs.join(' '));
} else {
  console.log(JSON.stringify({ ...cfg, c10, cuda, cxx11 }, null, 2));
}
