#!/usr/bin/env node
// Prints build flags for the native addon, for binding.gyp's <!@(...) expansions.
// Default: Debian's libtorch-dev (headers under /usr/include, libraries on the system path).
// LIBTORCH=/path selects another libtorch: an official archive (include/, lib/) or the torch
// folder of a Python install (site-packages/torch, which has the same layout); LIBTORCH=python
// takes the torch of the first python3 on the PATH that imports it. CUDA builds are detected by
// their libtorch_cuda library and linked so that their CUDA hooks register; the C++ standard
// and the std::string ABI follow what the libtorch found was built for.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

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

/** The torch folder of the first python3 on the PATH that imports torch. */
function pythonTorch() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const tried = [];
  for (const dir of dirs) {
    const python = path.join(dir, 'python3');
    if (!fs.existsSync(python) || tried.includes(python)) continue;
    tried.push(python);
    const r = spawnSync(python, ['-c', 'import os, torch; print(os.path.dirname(torch.__file__))'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0 && r.stdout.trim()) return { python, torch: r.stdout.trim().split('\n').pop() };
  }
  fail(
    `LIBTORCH=python: no python3 on the PATH imports torch (tried: ${tried.join(', ') || 'none found'}).\n` +
      'hint: install a torch wheel (pip install torch), or set LIBTORCH=/path/to/libtorch.',
  );
}

function resolve() {
  let env = process.env.LIBTORCH;
  if (env === 'python') {
    const found = pythonTorch();
    if (!fs.existsSync(path.join(found.torch, 'include', 'torch', 'csrc', 'api', 'include')))
      fail(
        `LIBTORCH=python: ${found.python} imports torch from ${found.torch}, which has no C++ headers ` +
          '(include/torch/csrc/api/include): a pip wheel has them; a distribution package may not.\n' +
          "hint: on Debian, unset LIBTORCH to build against libtorch-dev, the same libtorch as python3-torch's.",
      );
    env = found.torch;
  }
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

/** MAJOR.MINOR.PATCH from torch/version.h, or null. */
function torchVersion(includes) {
  for (const inc of includes) {
    const f = path.join(inc, 'torch', 'version.h');
    if (!fs.existsSync(f)) continue;
    const text = fs.readFileSync(f, 'utf8');
    const part = (n) => new RegExp(`#define TORCH_VERSION_${n}\\s+(\\d+)`).exec(text)?.[1];
    const v = ['MAJOR', 'MINOR', 'PATCH'].map(part);
    return v.every((x) => x !== undefined) ? v.join('.') : null;
  }
  return null;
}

/** c++20 when the headers refuse an older standard (#error under __cplusplus < 202002L), else c++17. */
function cxxStandard(includes) {
  for (const inc of includes)
    for (const rel of ['c10/util/C++17.h', 'c10/macros/Macros.h']) {
      const f = path.join(inc, rel);
      if (fs.existsSync(f) && /__cplusplus\s*<\s*202002L/.test(fs.readFileSync(f, 'utf8'))) return 'c++20';
    }
  return 'c++17';
}

/** The library folders of NVIDIA's CUDA wheels beside a Python install's torch (site-packages/nvidia/NAME/lib). */
function cudaWheelLibs(root) {
  const nvidia = path.join(path.dirname(root), 'nvidia');
  if (!fs.existsSync(nvidia)) return [];
  return fs
    .readdirSync(nvidia)
    .map((d) => path.join(nvidia, d, 'lib'))
    .filter((d) => fs.existsSync(d))
    .sort();
}

const cfg = resolve();
const c10 = findLib(cfg.libDir, 'c10');
if (!c10) fail(`libc10 not found in ${cfg.libDir}; the libtorch installation looks incomplete.`);
const cuda = findLib(cfg.libDir, 'torch_cuda') !== null;
// Official pre-cxx11 archives and older pip wheels use the old std::string ABI; match whatever libc10 was built with.
const cxx11 = fs.readFileSync(c10).includes('cxx11') ? 1 : 0;

// Debian's include list names only the C++ API folder; torch/version.h and c10/ are in /usr/include.
const headerDirs = [...new Set([path.join(cfg.root, 'include'), ...cfg.includes])];
const version = torchVersion(headerDirs);
const std = cxxStandard(headerDirs);

const what = process.argv[2];
if (what === 'includes') {
  console.log(cfg.includes.join(' '));
} else if (what === 'defines') {
  console.log([`_GLIBCXX_USE_CXX11_ABI=${cxx11}`, `SEAL_LIBTORCH_CUDA=${cuda ? 1 : 0}`].join(' '));
} else if (what === 'libraries') {
  const libs = [`-L${cfg.libDir}`];
  // The run-time search path: libtorch's own folder, then (CUDA) the CUDA wheels' folders, so no
  // LD_LIBRARY_PATH is needed.
  if (!cfg.system) libs.push(`-Wl,-rpath,${cfg.libDir}`);
  if (!cfg.system && cuda) for (const d of cudaWheelLibs(cfg.root)) libs.push(`-Wl,-rpath,${d}`);
  if (cuda) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  libs.push('-ltorch', '-ltorch_cpu', '-lc10');
  console.log(libs.join(' '));
} else if (what === 'std') {
  console.log(`-std=${std}`);
} else {
  console.log(JSON.stringify({ ...cfg, c10, cuda, cxx11, version, std }, null, 2));
}
