// `seal status DIR`: where every task of a comparison stands, from its files alone.
import { CompareLayout } from '../compare/layout.js';
import { readPlan } from '../compare/worker.js';
import { taskStatuses } from '../compare/status.js';
import { ConfigError } from '../errors.js';
import { countLine, eta, fmtTime } from './compare-progress.js';

export async function statusCommand(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (dir === undefined || dir.startsWith('--') || argv.length > 1) throw new ConfigError('usage: seal status DIR', 'DIR is the --out folder of a `seal compare` run');
  const layout = new CompareLayout(dir);
  const plan = readPlan(layout);
  const st = taskStatuses(layout, plan);
  const running = Math.max(1, st.filter((s) => s.state === 'running').length);
  process.stdout.write(`${dir}: ${countLine(st)}; ETA ${fmtTime(eta(st, plan.settings.generations, running))}\n`);
  for (const s of st) {
    const time = s.state === 'done' || s.state === 'running' ? fmtTime(s.seconds) : '';
    const extra = s.log && s.state !== 'done' ? `  (log: ${s.log})` : '';
    process.stdout.write(`  ${s.state.padEnd(8)} ${s.task.id.padEnd(24)} ${time.padStart(7)}  ${s.detail}${extra}\n`);
  }
  const failed = st.filter((s) => s.state === 'failed' || s.state === 'stopped');
  if (failed.length > 0) process.stdout.write(`\nretry: run the same \`seal compare\` command again, or one task with \`seal worker ${dir} ${failed[0]?.task.id}\`\n`);
  return 0;
}
