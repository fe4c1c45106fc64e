// study: wall time of a whole comparison study, `seal compare` (task graph: generation 0 once per
// seed, the methods forked from it, one evaluation process per checkpoint, tasks side by side)
// against the same study as one plain PyTorch script (bench/torch_study.py: the same sharing of
// generation 0, evaluations in-process, one thing at a time with every thread).
//
// The user's study is 3 methods x 3 seeds, ResNet-18 (CIFAR stem) of width 0.25 on 5,000
// Fashion-MNIST images, 4 generations x 8 epochs, k = 2: about 50 minutes per stack on 2 cores,
// too long for a bench. This runs it at a reduced size (SETTINGS below: 1 seed, 3 generations x
// 4 epochs, k = 1, 2,000 training images) with the evaluations at their full compare settings
// (probe 5,000/5,000 MNIST, 600 episodes of 1 and 5 shots, depth 2,000/1,000, k = 30), so the
// evaluations weigh more than in the full study. Both stacks run back to back, seal first; load
// from other work changes absolute times several-fold, so compare only pairs from one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The reduced study; flag names are seal's, and torch_study.py takes the same ones. */
export const STUDY = {
  methods: 'normal,llf,seal',
  seeds: '0',
  generations: 3,
  epochs: 4,
  'ascent-epochs': 1,
  'warmup-epochs': 1,
  'crop-padding': 2,
  'limit-train': 2000,
  'batch-size': 64,
} as const;

const flags = (o: Record<string, string | number>) => Object.entries(o).flatMap(([k, v]) => [`--${k}`, String(v)]);

/** Seconds of a finished comparison's tasks, summed per kind (train-gen0, train-<method>, eval, report). */
function taskSeconds(out: string): Record<string, number> {
  const dir = join(out, 'tasks');
  const sums: Record<string, number> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.done.json'))) {
    const { task, seconds } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { task: string; seconds: number };
    const kind = task.startsWith('eval-')
      ? 'eval'
      : task.startsWith('train-gen0')
        ? 'train-gen0'
        : task.replace(/-s\d+$/, '');
    sums[kind] = (sums[kind] ?? 0) + seconds;
  }
  return sums;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export function study(root: string, threads: number, log: (s: string) => void): Record<string, number | string> {
  const tmp = mkdtempSync(join(tmpdir(), 'seal-bench-study-'));
  try {
    const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
    const out = join(tmp, 'seal');
    const sealArgs = [
      join(root, 'dist', 'src', 'cli', 'main.js'),
      'compare',
      ...flags(STUDY),
      '--eval',
      'transfer,fewshot,depth',
      '--model',
      'resnet18-cifar',
      '--width',
      '0.25',
      '--threads',
      String(threads),
      '--out',
      out,
    ];
    const torchArgs = [
      join(root, 'bench', 'torch_study.py'),
      ...flags(STUDY),
      '--width',
      '0.25',
      '--threads',
      String(threads),
    ];
    const settings =
      `${STUDY.methods} x seed ${STUDY.seeds}, resnet18-cifar width 0.25, ${STUDY['limit-train']} Fashion-MNIST images (2,000 test), ` +
      `batch ${STUDY['batch-size']}, ${STUDY.generations} generations x ${STUDY.epochs} epochs, k=${STUDY['ascent-epochs']}, warmup ${STUDY['warmup-epochs']}, ` +
      `padding ${STUDY['crop-padding']}; evals transfer (probe 5000/5000 MNIST), fewshot (600 episodes, 1 and 5 shots), depth (2000/1000, k=30); ${threads} threads`;

    log(`study: seal compare (${settings})`);
    let t0 = performance.now();
    const s = spawnSync(process.execPath, sealArgs, { cwd: root, encoding: 'utf8', env });
    const sealS = (performance.now() - t0) / 1000;
    if (s.status !== 0)
      throw new Error(`seal compare failed (exit ${s.status}):\n${s.stdout.slice(-2000)}\n${s.stderr}`);
    const tasks = taskSeconds(out);
    log(
      `study: seal ${sealS.toFixed(1)} s; task seconds summed per kind: ${Object.entries(tasks)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );

    log('study: bench/torch_study.py');
    const python = process.env.SEAL_PYTHON ?? '/usr/bin/python3';
    t0 = performance.now();
    const t = spawnSync(python, torchArgs, { cwd: root, encoding: 'utf8', env, maxBuffer: 1 << 26 });
    const torchS = (performance.now() - t0) / 1000;
    if (t.status !== 0) throw new Error(`torch_study.py failed (exit ${t.status}):\n${t.stderr}`);
    const phases = (JSON.parse(t.stdout.trim().split('\n').pop() ?? '{}') as { phases: Record<string, number> }).phases;
    log(
      `study: PyTorch ${torchS.toFixed(1)} s; phases: ${Object.entries(phases)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    return { seal_s: r1(sealS), torch_s: r1(torchS), ratio: Math.round((sealS / torchS) * 1000) / 1000, settings };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
