// --resume continues a run with the settings in its config.json: a flag that would change them
// is refused (it used to be ignored without a word), before anything is read or written.
import { test } from 'node:test';
import { join } from 'node:path';
import { put, tempDir } from '../data/fixtures.js';
import { refused, seal, snapshot, unchanged } from './support.js';

test("--resume DIR with a setting that differs from the run's is refused, naming both values", (t) => {
  const { dir, cleanup } = tempDir('hostile-resume-flags');
  t.after(cleanup);
  const run = join(dir, 'run');
  const config = put(
    join(run, 'config.json'),
    JSON.stringify({ config: { method: 'seal', epochs: 3, width: 0.25, out: run } }),
  );
  const before = snapshot(run);
  refused(
    seal(['train', '--resume', run, '--epochs', '5']),
    2,
    `--resume ${run} continues the run with the settings in ${config}, but --epochs 5 differs from its 3`,
    'hint: leave those flags out to continue the run',
  );
  refused(
    seal(['train', '--resume', run, '--method', 'seal', '--width', '0.5', '--out', join(dir, 'other')]),
    2,
    "--width 0.5 differs from its 0.25, --out '",
  );
  put(join(dir, 'more.json'), JSON.stringify({ lr: 0.5 }));
  refused(seal(['train', '--resume', run, '--config', join(dir, 'more.json')]), 2, '--lr 0.5 differs from its 0.1');
  unchanged(run, before);
});
