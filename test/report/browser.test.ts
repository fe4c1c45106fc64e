// The rendered sample report in a real headless Chromium (Debian's /usr/bin/chromium through
// playwright-core): it loads without errors or network requests, every chart is drawn with a
// size, and the claims and the headline table are visible. Leaves a full-page screenshot in
// /tmp/seal-report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chartSpecs } from '../../src/report/charts.js';
import { judgeClaims } from '../../src/report/claims.js';
import { renderHtml } from '../../src/report/render-html.js';
import type { Report } from '../../src/report/types.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/seal-report.png';
const FIXTURE = fileURLToPath(new URL('../../../test/report/sample-report.json', import.meta.url));
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run this test`;

test(
  'the HTML report renders in headless Chromium with all charts and no errors',
  { skip, timeout: 120_000 },
  async () => {
    const { chromium } = await import('playwright-core');
    const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
    report.claims = judgeClaims(report);
    const dir = mkdtempSync(join(tmpdir(), 'seal-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, await renderHtml(report));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      const charts = page.locator('figure.chart > svg');
      const expected = chartSpecs(report).length;
      assert.equal(
        expected,
        report.metrics.length + 2,
        'sample report: one chart per metric, the curves, one depth histogram',
      );
      assert.equal(await charts.count(), expected);
      for (let i = 0; i < expected; i++) {
        const box = await charts.nth(i).boundingBox();
        assert.ok(box !== null && box.width > 100 && box.height > 100, `chart ${i} has a size: ${JSON.stringify(box)}`);
      }
      // Vega drew marks into every chart (lines/bars are paths inside the SVG).
      for (let i = 0; i < expected; i++)
        assert.ok((await charts.nth(i).locator('path').count()) > 3, `chart ${i} has marks`);

      const claims = page.locator('#claims');
      assert.ok(await claims.isVisible(), 'claims visible');
      assert.equal(await claims.locator('ul.claims > li').count(), 4);

      const headline = page.locator('#headline-table');
      assert.ok(await headline.isVisible(), 'headline table visible');
      assert.equal(await headline.locator('tbody tr').count(), report.metrics.length);
      assert.match((await headline.locator('thead').innerText()).replace(/\s+/g, ' '), /SEAL − LLF.*SEAL − normal/);

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], 'the report makes no network requests');
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
