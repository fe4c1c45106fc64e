// Writes report.md and report.html next to report.json; `seal report DIR` rebuilds all three.
import { rebuildReport } from '../compare/run-comparison.js';
import { CompareLayout } from '../io/compare-dir.js';
import { checkPathName } from '../io/path-name.js';
import { writeTextAtomic } from '../io/run-dir.js';
import { renderHtml } from '../report/render-html.js';
import { headlineTable, renderMarkdown } from '../report/render-md.js';
import type { Report } from '../report/types.js';
import { onlyPositional } from './args.js';

export async function writeReports(dir: string, report: Report): Promise<{ html: string; md: string }> {
  const { reportMd: md, reportHtml: html } = new CompareLayout(dir);
  writeTextAtomic(md, renderMarkdown(report));
  writeTextAtomic(html, await renderHtml(report));
  return { html, md };
}

export function printHeadline(report: Report): void {
  process.stdout.write(`\n${report.title}\n\n${headlineTable(report)}\n`);
  if (report.findings.length > 0) process.stdout.write(`\n${report.findings.map((f) => `- ${f}`).join('\n')}\n`);
}

export async function reportCommand(argv: string[]): Promise<number> {
  const dir = onlyPositional(argv, 'report');
  if (dir === undefined) {
    process.stderr.write('usage: seal report DIR   (rebuilds DIR/report.{json,md,html} from a comparison folder)\n');
    return 2;
  }
  checkPathName(dir, 'the folder');
  const report = rebuildReport(dir);
  const files = await writeReports(dir, report);
  printHeadline(report);
  process.stdout.write(`\nreport: ${files.html}\n`);
  return 0;
}
