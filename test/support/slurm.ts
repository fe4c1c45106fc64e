// Whether the tests may submit jobs: only to the single-node cluster of scripts/slurm-local.sh, or
// to any cluster when SEAL_REQUIRE_SLURM=1 asks for it (never to a real cluster by surprise). With
// SEAL_REQUIRE_SLURM=1 (the test command as root, the CI) a missing cluster fails instead of skipping.
import { spawnSync } from 'node:child_process';

const required = process.env['SEAL_REQUIRE_SLURM'] === '1';
const config = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' });
const up = config.status === 0 && (required || /^ClusterName\s*=\s*seal-local$/m.test(config.stdout ?? ''));
if (required && !up)
  throw new Error(
    `SEAL_REQUIRE_SLURM=1 but no Slurm answers \`scontrol show config\` (${(config.stderr ?? String(config.error)).trim()}); start one: sudo bash scripts/slurm-local.sh start`,
  );

/** A test's skip reason where no usable Slurm runs, else false. */
export const slurmSkip: string | false = up
  ? false
  : 'no local Slurm (start one: sudo bash scripts/slurm-local.sh start)';
