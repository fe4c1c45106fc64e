// Comparison folders whose paths hold characters that mean something to sbatch, to slurmstepd or
// to a shell (space, quotes, '#', '%', a backslash, a line break): the batch scripts carry them
// intact. sbatch reads `#SBATCH` lines with its own rules (quotes, backslash escapes, '#'
// comments, no line breaks), and slurmstepd expands '%' in --output paths; the real Slurm of
// scripts/slurm-local.sh runs the comparisons, as in test/compare/slurm.test.ts (skipped without
// one, a failure with SEAL_REQUIRE_SLURM=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../src/compare/plan.js';
import {
  batchScript,
  groupTasks,
  sbatchCommandLine,
  shellWord,
  slurmLogDir,
  type SlurmOptions,
} from '../../src/compare/slurm.js';
import { tempDir } from '../data/fixtures.js';
import { seal, tinyIdx } from './support.js';
import { slurmSkip } from '../support/slurm.js';

const skipReal = slurmSkip;

const OPTS: SlurmOptions = {
  cpusPerTask: 1,
  sbatchArgs: ['--comment=a note # with a hash'],
  maxParallel: 0,
  maxRequeues: 3,
  signalSeconds: 60,
};
const HOSTILE = [
  "/data/it's here",
  '/data/a "quoted" #1 %j',
  '/data/back\\slash %x',
  '/data/line\nbreak\r\nand $dollar `tick`',
];

/** What bash makes of the script's `dir=` line. */
function dirOf(script: string): string {
  const line = script.split('\n').find((l) => l.startsWith('dir='));
  assert.ok(line, 'the script sets dir');
  const r = spawnSync('bash', ['-c', `${line}\nprintf %s "$dir"`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('case 13: batch scripts hold every path intact: bash reads it back, and no raw line break or CR reaches the #SBATCH block', () => {
  const plan = buildPlan({
    methods: ['normal'],
    seeds: [0],
    generations: 1,
    evals: [],
    train: {},
    evalOptions: {},
  });
  const [group] = groupTasks(plan, new Set(['train-gen0-s0']));
  for (const dir of HOSTILE) {
    const script = batchScript(group!, OPTS, {
      dir,
      worker: { file: '/usr/bin/node', prefix: ["/opt/it's/main.js", 'worker'] },
      resumableExit: 75,
    });
    assert.equal(dirOf(script), dir);
    assert.doesNotMatch(script, /\r/, 'sbatch refuses a script with a carriage return before a line break');
    assert.equal(spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' }).status, 0);
    // Every directive is one line, and the block is not cut short by a line that is not a comment.
    const head = script.split('\n').slice(1);
    const firstCode = head.findIndex((l) => !l.startsWith('#'));
    assert.ok(
      head.slice(firstCode).every((l) => !l.startsWith('#SBATCH')),
      `an #SBATCH line after the first command:\n${script}`,
    );
    assert.ok(script.includes("#SBATCH --comment='a note # with a hash'\n"), script);
  }
  const [spaced, quoted, backslash, lineBreak] = HOSTILE.map((dir) =>
    batchScript(group!, OPTS, {
      dir,
      worker: { file: '/usr/bin/node', prefix: ['/opt/main.js', 'worker'] },
      resumableExit: 75,
    }),
  );
  // Quoted as sbatch reads #SBATCH lines; '%' doubled, since slurmstepd expands it in --output.
  assert.ok(spaced!.includes(`#SBATCH --output='/data/it'\\''s here/logs/slurm/%x-%A_%a.out'\n`), spaced);
  assert.ok(quoted!.includes(`#SBATCH --output='/data/a "quoted" #1 %%j/logs/slurm/%x-%A_%a.out'\n`), quoted);
  // slurmstepd drops a lone backslash (and then expands no '%'): doubled once for it, once for sbatch.
  assert.ok(backslash!.includes(`#SBATCH --output='/data/back\\\\\\\\slash %x/logs/slurm/slurm.out'\n`), backslash);
  // No #SBATCH line can hold a line break: that option goes on sbatch's command line.
  assert.doesNotMatch(lineBreak!, /^#SBATCH --output/m);
  assert.deepEqual(sbatchCommandLine(group!, OPTS, slurmLogDir(HOSTILE[3]!)), [
    `--output=${HOSTILE[3]}/logs/slurm/%x-%A_%a.out`,
  ]);
  assert.deepEqual(sbatchCommandLine(group!, OPTS, slurmLogDir(HOSTILE[0]!)), []);
  assert.equal(shellWord("it's"), `'it'\\''s'`);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "case 13: on a real Slurm: a comparison whose --out holds a space, a quote, '#' and '%' finishes, with its report and Slurm logs in it",
  { skip: skipReal },
  async (t) => {
    const { dir, cleanup } = tempDir('hostile-slurm-paths');
    t.after(cleanup);
    const data = tinyIdx(dir);
    const args = [
      '--launcher',
      'slurm',
      '--wait',
      '--dataset',
      `idx:${data}`,
      '--model',
      'resnet18-cifar',
      '--width',
      '0.0625',
      '--methods',
      'normal,seal',
      '--seeds',
      '0',
      '--generations',
      '2',
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--eval',
      'none',
    ];
    for (const name of ["it's a results #1 %j folder", 'back\\slash and\nline break']) {
      const out = join(dir, name);
      const r = seal(['compare', ...args, '--out', out], {
        timeoutMs: 300_000,
        env: { SEAL_SLURM_POLL_SECONDS: '1' },
      });
      assert.equal(r.status, 0, `--out ${JSON.stringify(out)}:\n${r.stderr}${r.stdout}`);
      assert.ok(existsSync(join(out, 'report.json')), `no report in ${JSON.stringify(out)}`);
      assert.ok(existsSync(join(out, 'tasks', 'report.done.json')));
      assert.match(readFileSync(join(out, 'logs', 'train-gen0-s0.out'), 'utf8'), /slurm job \d+_0 on .*start 1/);
      // slurmstepd opened the --output given: the logs are where the script says, not in a folder of a mangled name.
      for (let i = 0; i < 50 && readdirSync(join(out, 'logs', 'slurm')).length === 0; i++) await sleep(100);
      const logs = readdirSync(join(out, 'logs', 'slurm'));
      if (name.includes('\\')) assert.deepEqual(logs, ['slurm.out']);
      else
        assert.ok(
          logs.some((f) => /^seal-train-gen0-s0-\d+_0\.out$/.test(f)),
          logs.join(', '),
        );
    }
    // Nothing went to a folder of a mangled name beside them.
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['back\\slash and\nline break', 'data', "it's a results #1 %j folder"].sort(),
    );
  },
);
