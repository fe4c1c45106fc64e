// The Slurm launcher. Unit tests of the arrays, dependencies and batch scripts; then, against a
// real Slurm (`sudo bash scripts/slurm-local.sh start`; CI starts one and sets
// SEAL_REQUIRE_SLURM=1 so that a missing cluster fails instead of skipping): a comparison through
// `--launcher slurm --wait` gives the local launcher's report, a failing task is reported with its
// log, and submitting again submits only what is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan, type CompareSettings } from '../../src/compare/plan.js';
import { batchScript, dependencyOf, groupTasks, type SlurmOptions } from '../../src/compare/slurm.js';
import type { Report } from '../../src/report/types.js';
import { loadSafetensors } from '../../src/index.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';
import { slurmSkip } from '../support/slurm.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
const skipReal = fashion !== false ? fashion : slurmSkip;

const settings: CompareSettings = {
  methods: ['normal', 'seal'],
  seeds: [0, 1],
  generations: 3,
  evals: ['fewshot'],
  train: { epochs: 1 },
  evalOptions: { fewshot: {} },
};
const OPTS: SlurmOptions = {
  cpusPerTask: 2,
  sbatchArgs: ['--exclusive'],
  maxParallel: 4,
  maxRequeues: 3,
  signalSeconds: 120,
  partition: 'gpu',
  time: '2-00:00:00',
  gpusPerTask: 1,
};

test('alike tasks waiting for the same tasks form one array, in dependency order', () => {
  const plan = buildPlan(settings);
  const groups = groupTasks(plan, new Set(plan.tasks.map((t) => t.id)));
  assert.deepEqual(
    groups.map((g) => [g.name, g.tasks]),
    [
      ['train-gen0', ['train-gen0-s0', 'train-gen0-s1']],
      ['eval-gen0-s0-g0', ['eval-gen0-s0-g0']],
      ['train-after-gen0-s0', ['train-normal-s0', 'train-seal-s0']],
      ['eval-normal-s0', ['eval-normal-s0-g1', 'eval-normal-s0-g2']],
      ['eval-seal-s0', ['eval-seal-s0-g1', 'eval-seal-s0-g2']],
      ['eval-gen0-s1-g0', ['eval-gen0-s1-g0']],
      ['train-after-gen0-s1', ['train-normal-s1', 'train-seal-s1']],
      ['eval-normal-s1', ['eval-normal-s1-g1', 'eval-normal-s1-g2']],
      ['eval-seal-s1', ['eval-seal-s1-g1', 'eval-seal-s1-g2']],
      ['report', ['report']],
    ],
  );
  // Every array comes after the arrays of what it waits for; done tasks drop out of the dependencies.
  const seen = new Set<string>();
  for (const g of groups) {
    for (const d of g.deps) assert.ok(seen.has(d), `${g.name} waits for ${d}, which comes later`);
    g.tasks.forEach((t) => seen.add(t));
  }
  const rest = groupTasks(plan, new Set(['train-seal-s1', 'eval-seal-s1-g1', 'eval-seal-s1-g2', 'report']));
  assert.deepEqual(
    rest.map((g) => [g.tasks, g.deps]),
    [
      [['train-seal-s1'], []],
      [['eval-seal-s1-g1', 'eval-seal-s1-g2'], ['train-seal-s1']],
      [['report'], ['eval-seal-s1-g1', 'eval-seal-s1-g2', 'train-seal-s1']],
    ],
  );
});

test('dependencies name whole arrays when every element is waited for, else the elements', () => {
  const jobs: Record<string, string> = { a: '10_0', b: '10_1', c: '11_0', d: '12_3' };
  const size = (a: string) => (({ 10: 2, 11: 1, 12: 5 }) as Record<string, number>)[a] ?? -1;
  assert.equal(
    dependencyOf(['a', 'b', 'c', 'd'], (t) => jobs[t] ?? null, size),
    'afterok:10:11:12_3',
  );
  assert.equal(
    dependencyOf(['a', 'x'], (t) => jobs[t] ?? null, size),
    'afterok:10_0',
  );
  assert.equal(
    dependencyOf(['x'], () => null, size),
    null,
  );
});

test("the batch script asks for what the cluster options say and runs the array element's task", () => {
  const plan = buildPlan(settings);
  const [group] = groupTasks(plan, new Set(['train-gen0-s0', 'train-gen0-s1']));
  const script = batchScript(group!, OPTS, {
    dir: "/data/it's here",
    worker: { file: '/usr/bin/node', prefix: ['/opt/seal/main.js', 'worker'] },
    resumableExit: 75,
  });
  for (const line of [
    '--array=0-1',
    '--requeue',
    '--signal=B:USR2@120',
    '--kill-on-invalid-dep=yes',
    '--cpus-per-task=2',
    '--partition=gpu',
    '--time=2-00:00:00',
    '--gpus-per-task=1',
    '--exclusive',
    // Quoted as sbatch reads #SBATCH lines (test/hostile/slurm-paths.test.ts has harder paths).
    "--output='/data/it'\\''s here/logs/slurm/%x-%A_%a.out'",
  ]) {
    assert.ok(script.includes(`#SBATCH ${line}\n`), `missing #SBATCH ${line}`);
  }
  assert.ok(!script.includes('%4'), 'no parallelism limit is written when it exceeds the array');
  assert.match(script, /^tasks=\(train-gen0-s0 train-gen0-s1\)$/m);
  assert.match(script, /^dir='\/data\/it'\\''s here'$/m);
  assert.match(script, /"\$rc" -eq 75/);
  assert.match(script, /"\$restarts" -ge 3/);
  // bash accepts it.
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('Slurm options are refused without --launcher slurm, and a missing sbatch is one clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
  try {
    const local = spawnSync(process.execPath, [CLI, 'compare', '--partition', 'gpu', '--out', join(dir, 'a')], {
      encoding: 'utf8',
    });
    assert.equal(local.status, 2, local.stderr);
    assert.match(local.stderr, /--partition is an option of the Slurm launcher/);
    const noSbatch = spawnSync(
      process.execPath,
      [CLI, 'compare', '--launcher', 'slurm', '--methods', 'normal', '--seeds', '0', '--out', join(dir, 'b')],
      { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } },
    );
    assert.notEqual(noSbatch.status, 0);
    assert.match(
      noSbatch.stderr,
      /squeue is not installed or not on the PATH|sbatch is not installed or not on the PATH/,
    );
    assert.ok(!existsSync(join(dir, 'b', 'slurm', 'jobs.json')), 'nothing is recorded as submitted');
    const dry = spawnSync(
      process.execPath,
      [
        CLI,
        'compare',
        '--launcher',
        'slurm',
        '--dry-run',
        '--methods',
        'normal',
        '--seeds',
        '0',
        '--out',
        join(dir, 'c'),
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } },
    );
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /would submit 1 task \(train-gen0-s0\)/);
    assert.match(dry.stdout, /#SBATCH --array=0-0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const TINY = [
  '--methods',
  'normal,seal',
  '--seeds',
  '0',
  '--eval',
  'fewshot',
  '--generations',
  '2',
  '--epochs',
  '2',
  '--limit-train',
  '512',
  '--limit-test',
  '256',
  '--width',
  '0.125',
];

/** The parts of a report that must not depend on how it was run (timings and dates may). */
function stable(file: string) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  return {
    values: r.values,
    aggregates: r.aggregates,
    differences: r.differences,
    settings: r.settings,
    curves: r.curves.map((c) => ({ ...c, rows: c.rows.map(({ seconds, trainSeconds, dataSeconds, ...row }) => row) })),
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { ...process.env, SEAL_SLURM_POLL_SECONDS: '1' };

test(
  'on a real Slurm: the same report as the local launcher; a failed task is reported, and resubmitting submits only what is missing',
  { skip: skipReal },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
    try {
      const local = spawnSync(
        process.execPath,
        [CLI, 'compare', ...TINY, '--jobs', '2', '--threads', '2', '--out', join(dir, 'local')],
        { encoding: 'utf8' },
      );
      assert.equal(local.status, 0, local.stderr);
      const onSlurm = spawnSync(
        process.execPath,
        [CLI, 'compare', '--launcher', 'slurm', '--wait', ...TINY, '--out', join(dir, 'slurm')],
        { encoding: 'utf8', env },
      );
      assert.equal(onSlurm.status, 0, onSlurm.stderr + onSlurm.stdout);
      assert.match(onSlurm.stdout, /submitted 2 tasks \(train-after-gen0-s0\) as job \d+ after afterok:\d+/);
      assert.match(onSlurm.stdout, /report: .*report\.html/);
      assert.deepEqual(stable(join(dir, 'slurm', 'report.json')), stable(join(dir, 'local', 'report.json')));
      assert.match(
        readFileSync(join(dir, 'slurm', 'logs', 'train-gen0-s0.out'), 'utf8'),
        /slurm job \d+_0 on .*start 1/,
      );

      // A task that fails: a file stands where the seal run's folder goes.
      const out = join(dir, 'failing');
      assert.equal(
        spawnSync(process.execPath, [CLI, 'compare', '--launcher', 'slurm', '--dry-run', ...TINY, '--out', out], {
          encoding: 'utf8',
        }).status,
        0,
      );
      mkdirSync(join(out, 'runs'), { recursive: true });
      writeFileSync(join(out, 'runs', 'seal-s0'), 'in the way\n');
      const failing = spawnSync(
        process.execPath,
        [CLI, 'compare', '--launcher', 'slurm', '--wait', ...TINY, '--out', out],
        { encoding: 'utf8', env },
      );
      assert.notEqual(failing.status, 0);
      assert.match(failing.stderr, /train-seal-s0: exit code 1 \(slurm job \d+_1\)/);
      assert.match(failing.stderr, /log: .*logs\/train-seal-s0\.err/);
      const status = spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' });
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /failed +train-seal-s0 .*exit code 1.*\(log: .*train-seal-s0\.err\)/);
      assert.match(status.stdout, /done +train-normal-s0/);
      // Its dependents were cancelled by Slurm, not left pending forever.
      assert.match(status.stdout, /waiting +eval-seal-s0-g1 .*\[job \d+_0: CANCELLED/);
      assert.match(status.stdout, /done +eval-normal-s0-g1/);

      rmSync(join(out, 'runs', 'seal-s0'));
      const again = spawnSync(process.execPath, [CLI, 'compare', '--launcher', 'slurm', ...TINY, '--out', out], {
        encoding: 'utf8',
        env,
      });
      assert.equal(again.status, 0, again.stderr);
      const submitted = [...again.stdout.matchAll(/submitted \d+ tasks? \(([^)]+)\)/g)].map((m) => m[1]);
      assert.deepEqual(submitted, ['train-seal-s0', 'eval-seal-s0-g1', 'report']);
      // Submitting once more while those are queued or running submits nothing.
      const twice = spawnSync(process.execPath, [CLI, 'compare', '--launcher', 'slurm', ...TINY, '--out', out], {
        encoding: 'utf8',
        env,
      });
      assert.equal(twice.status, 0, twice.stderr);
      if (!existsSync(join(out, 'tasks', 'report.done.json'))) assert.match(twice.stdout, /nothing to submit/);
      for (let i = 0; i < 600 && !existsSync(join(out, 'tasks', 'report.done.json')); i++) await sleep(200);
      assert.deepEqual(stable(join(out, 'report.json')), stable(join(dir, 'local', 'report.json')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "on a real Slurm: an unknown partition is one error with sbatch's own words, and nothing is recorded as submitted",
  { skip: skipReal },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
    try {
      const r = spawnSync(
        process.execPath,
        [CLI, 'compare', '--launcher', 'slurm', ...TINY, '--partition', 'no-such-partition', '--out', dir],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /sbatch .* failed \(exit 1\): .*[Ii]nvalid partition/);
      assert.match(r.stderr, /hint: check --partition/);
      const jobs = join(dir, 'slurm', 'jobs.json');
      assert.ok(
        !existsSync(jobs) ||
          Object.keys((JSON.parse(readFileSync(jobs, 'utf8')) as { tasks: object }).tasks).length === 0,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Every tensor of two safetensors files, compared bit for bit. */
async function sameTensors(a: string, b: string): Promise<void> {
  const [x, y] = [await loadSafetensors(a), await loadSafetensors(b)];
  try {
    assert.deepEqual([...x.tensors.keys()].sort(), [...y.tensors.keys()].sort());
    for (const [name, t] of x.tensors)
      assert.deepEqual(t.toArray(), y.tensors.get(name)?.toArray(), `${a}: ${name} differs`);
  } finally {
    for (const t of [...x.tensors.values(), ...y.tensors.values()]) t.dispose();
  }
}

const rowsOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds, trainSeconds, dataSeconds, ...row } = JSON.parse(l) as Record<string, unknown>;
      return row;
    });

test(
  'on a real Slurm: a training task signalled mid-epoch stops at a resume point, requeues itself and finishes bit-identical',
  { skip: skipReal },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
    // Epochs long enough (a few seconds) for the signal to land inside one.
    const args = [
      '--methods',
      'seal',
      '--seeds',
      '0',
      '--eval',
      'none',
      '--generations',
      '2',
      '--epochs',
      '2',
      '--limit-train',
      '8000',
      '--limit-test',
      '256',
      '--width',
      '0.25',
    ];
    try {
      const out = join(dir, 'slurm');
      const sub = spawnSync(process.execPath, [CLI, 'compare', '--launcher', 'slurm', ...args, '--out', out], {
        encoding: 'utf8',
      });
      assert.equal(sub.status, 0, sub.stderr);
      const job = (
        JSON.parse(readFileSync(join(out, 'slurm', 'jobs.json'), 'utf8')) as { tasks: Record<string, { job: string }> }
      ).tasks['train-gen0-s0']?.job as string;
      const metrics = join(out, 'runs', 'gen0-s0', 'metrics.jsonl');
      for (let i = 0; i < 1200 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').trim() !== ''); i++)
        await sleep(50);
      // The first epoch's row is written before its checkpoint: wait for that write, then a little
      // more, so that the signal most likely lands inside the second epoch (about 2 s here).
      const resumeFile = join(out, 'runs', 'gen0-s0', 'checkpoints', 'resume.safetensors');
      for (let i = 0; i < 600 && !existsSync(resumeFile); i++) await sleep(20);
      await sleep(300);
      // Slurm's warning signal, as before a time limit: to the batch shell, which passes it on.
      const sig = spawnSync('scancel', ['--signal=USR2', '--batch', job], { encoding: 'utf8' });
      assert.equal(sig.status, 0, `the task ended before the signal: ${sig.stderr}`);
      const log = join(out, 'logs', 'train-gen0-s0.out');
      for (let i = 0; i < 600 && !/requeueing/.test(readFileSync(log, 'utf8')); i++) await sleep(50);
      // A requeued job waits about two minutes (BeginTime). Start it now, once it is pending and its
      // last run is gone: started at once, Slurm kills it ("Job credential revoked").
      for (let i = 0; i < 300; i++) {
        const q = spawnSync('squeue', ['-h', '-j', job, '-o', '%T'], { encoding: 'utf8' }).stdout.trim();
        if (q === 'PENDING') break;
        await sleep(100);
      }
      await sleep(3000);
      const up = spawnSync('scontrol', ['update', `jobid=${job}`, 'StartTime=now'], { encoding: 'utf8' });
      assert.equal(up.status, 0, up.stderr);
      for (let i = 0; i < 1200 && !existsSync(join(out, 'tasks', 'report.done.json')); i++) await sleep(100);
      const text = readFileSync(log, 'utf8');
      assert.match(text, /SIGUSR2: stopping after the current batch/);
      assert.match(text, /stopped at a resume point \(exit 75\); requeueing/);
      assert.match(text, /start 2/);
      // Inside the second epoch as a rule; at its start when the machine was slow to deliver the
      // signal (in-process, test/train/preempt.test.ts stops inside epochs deterministically).
      assert.match(
        readFileSync(join(out, 'logs', 'train-gen0-s0.err'), 'utf8'),
        /stopped (after batch \d+ of|at the start of) generation 0, epoch 2/,
      );
      assert.ok(existsSync(join(out, 'tasks', 'report.done.json')), 'the comparison finished');

      const local = join(dir, 'local');
      const ref = spawnSync(
        process.execPath,
        [CLI, 'compare', ...args, '--jobs', '2', '--threads', '2', '--out', local],
        { encoding: 'utf8' },
      );
      assert.equal(ref.status, 0, ref.stderr);
      for (const run of ['gen0-s0', 'seal-s0']) {
        assert.deepEqual(
          rowsOf(join(out, 'runs', run, 'metrics.jsonl')),
          rowsOf(join(local, 'runs', run, 'metrics.jsonl')),
          `${run}: metrics`,
        );
        await sameTensors(
          join(out, 'runs', run, 'checkpoints', 'resume.safetensors'),
          join(local, 'runs', run, 'checkpoints', 'resume.safetensors'),
        );
      }
      await sameTensors(
        join(out, 'runs', 'seal-s0', 'checkpoints', 'gen-1.safetensors'),
        join(local, 'runs', 'seal-s0', 'checkpoints', 'gen-1.safetensors'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "on a real Slurm: seal cancel cancels the comparison's queued jobs, and seal status no longer shows them queued",
  { skip: skipReal },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
    try {
      // Held at submission, so nothing runs before the cancel.
      const sub = spawnSync(
        process.execPath,
        [CLI, 'compare', '--launcher', 'slurm', ...TINY, '--sbatch-arg=--hold', '--out', dir],
        { encoding: 'utf8' },
      );
      assert.equal(sub.status, 0, sub.stderr);
      const before = spawnSync(process.execPath, [CLI, 'status', dir], { encoding: 'utf8' });
      assert.match(before.stdout, /queued +train-gen0-s0 .*\[job \d+_0: PENDING \(JobHeldUser\)\]/);
      const cancel = spawnSync(process.execPath, [CLI, 'cancel', dir], { encoding: 'utf8' });
      assert.equal(cancel.status, 0, cancel.stderr);
      assert.match(cancel.stdout, /cancelled 7 job\(s\)/);
      const status = spawnSync(process.execPath, [CLI, 'status', dir], { encoding: 'utf8' });
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /^ {2}ready +train-gen0-s0/m);
      assert.doesNotMatch(status.stdout, /queued/);
      assert.match(
        spawnSync(process.execPath, [CLI, 'cancel', dir], { encoding: 'utf8' }).stdout,
        /no job of this comparison is queued or running/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('--preset paper needs Tiny-ImageNet, and its dry run estimates the training hours from a measured throughput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-slurm-'));
  try {
    const none = spawnSync(
      process.execPath,
      [CLI, 'compare', '--preset', 'paper', '--launcher', 'slurm', '--dry-run', '--out', join(dir, 'a')],
      { encoding: 'utf8' },
    );
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--preset paper trains on Tiny-ImageNet: give --dataset tiny-imagenet:PATH/);
    const dry = spawnSync(
      process.execPath,
      [
        CLI,
        'compare',
        '--preset',
        'paper',
        '--dataset',
        `tiny-imagenet:${dir}`,
        '--launcher',
        'slurm',
        '--dry-run',
        '--out',
        join(dir, 'b'),
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } },
    );
    assert.equal(dry.status, 0, dry.stderr);
    // 3 seeds x (generation 0 + 3 methods x 9 generations) x 160 epochs x 100,000 images.
    assert.match(
      dry.stdout,
      /estimate: [\d.]+ CPU-hours \(at 1 thread per task\) of training: 1344\.0 million images .* at \d+ images\/s, measured here on cpu over 5 SGD steps of resnet18 \(width 1, batch 32, 3x64x64\)/,
    );
    assert.match(dry.stdout, /would submit 3 tasks \(train-gen0\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
