// The module boundaries of docs/style.md, checked on the import statements of every file under
// src/: which folder may touch the filesystem, the process and the native addon, and which way
// the dependencies point. A violation names the file and the import (or the use) and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The top-level folder under src/ (or the file, for src/index.ts, src/errors.ts, src/rng.ts). */
type Layer = string;

/**
 * What each layer may import from the others. The direction is style.md's, cli → config →
 * train → {methods, eval} → {models, data, optim, io} → backend, where it holds today: eval/
 * also reaches up into train/ (the parameter split, and the epoch loop transfer learning reuses),
 * and report/ reads train/'s row types. No cycle, between layers or between files (tested below). config/ holds the settings'
 * types that every layer reads, so it sits low.
 */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  'errors.ts': [],
  'rng.ts': [],
  backend: [],
  config: ['errors.ts'],
  nn: ['backend', 'errors.ts', 'rng.ts'],
  optim: ['backend', 'errors.ts'],
  io: ['backend', 'errors.ts'],
  data: ['backend', 'errors.ts', 'rng.ts'],
  models: ['backend', 'nn', 'config', 'errors.ts', 'rng.ts'],
  methods: ['backend', 'nn', 'config', 'errors.ts', 'rng.ts', 'models'],
  eval: ['backend', 'nn', 'config', 'errors.ts', 'rng.ts', 'models', 'data', 'optim', 'io', 'train'],
  train: ['backend', 'nn', 'config', 'errors.ts', 'rng.ts', 'models', 'data', 'optim', 'io', 'methods'],
  report: ['config', 'errors.ts', 'eval', 'train'],
  compare: [
    'backend',
    'nn',
    'config',
    'errors.ts',
    'rng.ts',
    'models',
    'data',
    'optim',
    'io',
    'methods',
    'eval',
    'train',
    'report',
  ],
  'index.ts': [
    'backend',
    'nn',
    'config',
    'errors.ts',
    'rng.ts',
    'models',
    'data',
    'optim',
    'io',
    'methods',
    'eval',
    'train',
    'report',
    'compare',
  ],
};

/** Only io/ and data/ touch the filesystem; cli/ reads the files its flags name. */
const FS_LAYERS = ['io', 'data', 'cli'];
/**
 * Files below io/ that must read a file themselves. backend/ sits under io/ (io/safetensors.ts
 * builds tensors), so it cannot call io/ without pointing the dependencies upward, and both reads
 * happen at import, before the addon (with libtorch and OpenBLAS) loads.
 */
const FS_EXCEPTIONS: Record<string, string> = {
  'backend/native.ts': 'checks that the addon binary exists, to say how to build it instead of a loader trace',
  'backend/cpu-features.ts': 'reads /proc/cpuinfo to pick OPENBLAS_CORETYPE before OpenBLAS loads',
};

/**
 * Starting processes is process management: the cli, and compare/'s launchers, which run each
 * task as a `seal worker` child (locally) or hand it to Slurm (sbatch, squeue, scancel).
 */
const SPAWN_LAYERS = ['cli', 'compare'];
const SPAWN_EXCEPTIONS: Record<string, string> = {
  'backend/cpu-features.ts': 'asks a throwaway process which kernels OpenBLAS picks on its own',
};

/**
 * Only cli/ reads the command line and the environment, exits, prints or handles signals; the
 * library reports through return values, errors, callbacks and process.emitWarning. process.pid
 * (temporary file names), process.kill(pid, 0) (is a writer alive) and process.execPath (the
 * node that runs workers) are not the command's business and stay allowed.
 */
const PROCESS_USE = /\bprocess\.(env|argv|exit|exitCode|stdin|stdout|stderr|on|once|off)\b/g;
/** Library defaults that read the environment; removing them would change what library callers get. */
const PROCESS_EXCEPTIONS: Record<string, { uses: string[]; why: string }> = {
  'backend/native.ts': {
    uses: ['env'],
    why: 'OPENBLAS_CORETYPE takes effect only if set before the addon loads, so it is settled at import',
  },
  'data/cache.ts': {
    uses: ['env'],
    why: 'defaultCacheDir() honours XDG_CACHE_HOME for loadDataset() called without a cacheDir',
  },
  'eval/targets.ts': {
    uses: ['env'],
    why: 'defaultDataDir() honours SEAL_DATA_DIR and XDG_CACHE_HOME for loadTarget() called without a dataDir',
  },
};

const FS_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises']);
const SPAWN_MODULES = new Set(['child_process', 'node:child_process']);

export interface SourceFile {
  path: string;
  text: string;
}
export interface Violation {
  file: string;
  import: string;
  rule: string;
}

const layerOf = (path: string): Layer => path.split('/')[0] as string;

/** Comments out of the way, so that a commented-out import or a word in prose is not counted. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier of a file: static imports and re-exports, dynamic import() and require(). */
export function importsOf(text: string): string[] {
  const src = code(text);
  const found: string[] = [];
  for (const m of src.matchAll(/(?:^|[;\n])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/g))
    found.push(m[1] as string);
  for (const m of src.matchAll(/(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1] as string);
  for (const m of src.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g)) found.push(m[1] as string);
  return found;
}

/** The violations in `files` (paths relative to src/, '/'-separated). */
export function findViolations(files: SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const { path, text } of files) {
    const layer = layerOf(path);
    const add = (imp: string, rule: string) => out.push({ file: path, import: imp, rule });
    for (const spec of importsOf(text)) {
      if (FS_MODULES.has(spec) && !FS_LAYERS.includes(layer) && !(path in FS_EXCEPTIONS)) {
        add(spec, `only ${FS_LAYERS.join('/, ')}/ touch the filesystem: move the file access into an io/ function`);
      }
      if (SPAWN_MODULES.has(spec) && !SPAWN_LAYERS.includes(layer) && !(path in SPAWN_EXCEPTIONS)) {
        add(spec, `only ${SPAWN_LAYERS.join('/ and ')}/ start processes`);
      }
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(path), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue;
      const to = layerOf(target);
      if (to === layer) continue;
      if (to === 'cli') add(spec, 'nothing outside cli/ imports from cli/');
      else if (to === 'backend' && target !== 'backend/index.ts')
        add(spec, 'only backend/ talks to the addon: import backend/index.js');
      else if (layer !== 'cli' && !(MAY_IMPORT[layer] ?? []).includes(to)) {
        add(
          spec,
          `${layer} may import only from ${(MAY_IMPORT[layer] ?? []).join(', ') || 'itself'} (dependencies point down)`,
        );
      }
    }
    const src = code(text);
    if (layer !== 'backend' && /seal\.node\b|\bprocess\.dlopen\b/.test(src))
      add('seal.node', 'only backend/ loads the native addon');
    if (layer !== 'cli') {
      for (const m of src.matchAll(PROCESS_USE)) {
        if (PROCESS_EXCEPTIONS[path]?.uses.includes(m[1] as string)) continue;
        add(
          m[0],
          'only cli/ reads argv or the environment, exits, prints or handles signals: take it as a parameter from cli/',
        );
      }
    }
  }
  return out;
}

function sourceFiles(root: string, dir = ''): SourceFile[] {
  return readdirSync(posix.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(root, rel);
    return e.name.endsWith('.ts') ? [{ path: rel, text: readFileSync(posix.join(root, rel), 'utf8') }] : [];
  });
}

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

test('every file under src/ keeps to the layering rules', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 50, `found only ${files.length} files under ${SRC}`);
  const layers = new Set(files.map((f) => layerOf(f.path)));
  for (const l of layers)
    if (l !== 'cli') assert.ok(l in MAY_IMPORT, `src/${l} has no entry in MAY_IMPORT: say which layers it may import`);
  const found = findViolations(files);
  assert.deepEqual(
    found.map((v) => `src/${v.file}: ${v.import}: ${v.rule}`),
    [],
  );
});

test('the listed exceptions are still needed', () => {
  const files = new Map(sourceFiles(SRC).map((f) => [f.path, f.text]));
  for (const f of Object.keys({ ...FS_EXCEPTIONS, ...SPAWN_EXCEPTIONS, ...PROCESS_EXCEPTIONS })) {
    assert.ok(files.has(f), `src/${f} is listed as an exception but does not exist`);
  }
  const uses = (f: string, modules: Set<string>) => importsOf(files.get(f) as string).some((s) => modules.has(s));
  for (const f of Object.keys(FS_EXCEPTIONS))
    assert.ok(uses(f, FS_MODULES), `src/${f} no longer touches the filesystem: drop its exception`);
  for (const f of Object.keys(SPAWN_EXCEPTIONS))
    assert.ok(uses(f, SPAWN_MODULES), `src/${f} no longer starts processes: drop its exception`);
  for (const [f, e] of Object.entries(PROCESS_EXCEPTIONS)) {
    const text = code(files.get(f) as string);
    for (const u of e.uses)
      assert.ok(text.includes(`process.${u}`), `src/${f} no longer uses process.${u}: drop its exception`);
  }
});

test('the checker names the file and the import of each kind of violation', () => {
  const found = findViolations([
    {
      path: 'train/loop.ts',
      text: "import { readFileSync } from 'node:fs';\nimport { x } from '../compare/plan.js';\n// import { y } from '../cli/main.js';\n",
    },
    {
      path: 'eval/probe.ts',
      text: "export { z } from '../cli/args.js';\nconst m = await import('node:fs/promises');\nconst n = process.env.HOME;\n",
    },
    {
      path: 'models/net.ts',
      text: "import {\n  a,\n  b,\n} from '../backend/native.js';\nimport '../report/render-md.js';\n",
    },
    {
      path: 'data/reader.ts',
      text: "import { spawn } from 'node:child_process';\nimport { readFile } from 'node:fs/promises';\nprocess.exit(1);\n",
    },
    { path: 'optim/sgd.ts', text: "const addon = require('../../build/Release/seal.node');\n" },
    {
      path: 'cli/main.ts',
      text: "import { readFileSync } from 'node:fs';\nimport { spawn } from 'node:child_process';\nprocess.exit(process.argv.length);\n",
    },
    {
      path: 'io/files.ts',
      text: "import { readFileSync } from 'node:fs';\nconst url = 'https://example.org'; // process.env in a comment\n",
    },
  ]);
  const got = found.map((v) => `${v.file} ${v.import}`);
  assert.deepEqual(got, [
    'train/loop.ts node:fs',
    'train/loop.ts ../compare/plan.js',
    'eval/probe.ts ../cli/args.js',
    'eval/probe.ts node:fs/promises',
    'eval/probe.ts process.env',
    'models/net.ts ../backend/native.js',
    'models/net.ts ../report/render-md.js',
    'data/reader.ts node:child_process',
    'data/reader.ts process.exit',
    'optim/sgd.ts seal.node',
  ]);
  assert.match(found[0]?.rule ?? '', /only io\/, data\/, cli\/ touch the filesystem/);
  assert.match(found[1]?.rule ?? '', /train may import only from .*\(dependencies point down\)/);
  assert.match(found[2]?.rule ?? '', /nothing outside cli\/ imports from cli\//);
});

/** A cycle in `edges` (node → the nodes it imports), as the path that closes it, or null. */
export function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

/** The import graph of src/: file → files, and layer → layers (type-only imports count: they still tie the code). */
function importGraphs(files: SourceFile[]): { modules: Map<string, Set<string>>; layers: Map<string, Set<string>> } {
  const modules = new Map<string, Set<string>>();
  const layers = new Map<string, Set<string>>();
  for (const { path, text } of files) {
    const to = new Set<string>();
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(path), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue;
      to.add(target);
      if (layerOf(target) !== layerOf(path)) {
        const set = layers.get(layerOf(path)) ?? new Set<string>();
        set.add(layerOf(target));
        layers.set(layerOf(path), set);
      }
    }
    modules.set(path, to);
  }
  return { modules, layers };
}

test('no import cycle: neither between the layers nor between two files', () => {
  const { modules, layers } = importGraphs(sourceFiles(SRC));
  assert.equal(findCycle(layers)?.join(' → ') ?? null, null, 'a cycle between layers');
  assert.equal(findCycle(modules)?.join(' → ') ?? null, null, 'a cycle between files');
});

test('the cycle finder finds a cycle, and only where there is one', () => {
  const g = (pairs: [string, string][]) => {
    const m = new Map<string, Set<string>>();
    for (const [a, b] of pairs) m.set(a, new Set([...(m.get(a) ?? []), b]));
    return m;
  };
  assert.deepEqual(
    findCycle(
      g([
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
      ]),
    ),
    ['a', 'b', 'c', 'a'],
  );
  assert.equal(
    findCycle(
      g([
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'c'],
      ]),
    ),
    null,
  );
});
