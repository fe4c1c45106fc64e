// `seal cancel DIR`: cancels the Slurm jobs of a comparison that are still queued or running.
import { CompareLayout } from '../io/compare-dir.js';
import { checkPathName } from '../io/path-name.js';
import { cancelSlurm } from '../compare/slurm-run.js';
import { ConfigError } from '../errors.js';
import { onlyPositional } from './args.js';

export async function cancelCommand(argv: string[]): Promise<number> {
  const dir = onlyPositional(argv, 'cancel');
  if (dir === undefined)
    throw new ConfigError('usage: seal cancel DIR', 'DIR is the --out folder of a `seal compare --launcher slurm` run');
  checkPathName(dir, 'the folder');
  const layout = new CompareLayout(dir);
  if (!layout.hasSlurmJobs())
    throw new ConfigError(
      `${dir} has no Slurm jobs (no ${layout.slurmDir})`,
      'a local comparison stops with Ctrl-C; seal cancel is for --launcher slurm',
    );
  const ids = cancelSlurm(layout);
  process.stdout.write(
    ids.length === 0
      ? 'no job of this comparison is queued or running\n'
      : `cancelled ${ids.length} job(s): ${ids.join(' ')}\nfinished tasks are kept; submit the same command again to continue\n`,
  );
  return 0;
}
