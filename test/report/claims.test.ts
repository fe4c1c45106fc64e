// The paper's claims judged from made-up paired values: each verdict, one seed, metrics not
// evaluated, normal training absent, the last generation only; and the section at the top of
// report.md and report.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { meanInterval, pairedTTest } from '../../src/eval/stats.js';
import { combine, judgeClaims, scaleNote } from '../../src/report/claims.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-md.js';
import type { Claim, ClaimPart, MetricInfo, Report } from '../../src/report/types.js';

const INFOS: MetricInfo[] = [
  { name: 'source_top1', label: 'Source test top-1', higherIsBetter: true, unit: '%' },
  { name: 'transfer_mnist', label: 'Linear probe on mnist', higherIsBetter: true, unit: '%' },
  { name: 'fewshot_mnist_5w1s_nearest-centroid', label: '5-way 1-shot on mnist', higherIsBetter: true, unit: '%' },
  { name: 'fewshot_mnist_5w5s_nearest-centroid', label: '5-way 5-shot on mnist', higherIsBetter: true, unit: '%' },
  { name: 'depth_test', label: 'Mean prediction depth, test images', higherIsBetter: false, unit: '' },
];

type Data = Record<string, Record<string, number[]>>;

/** A report whose last generation holds `data[metric][method][i]` for seed i; generation 0 holds the opposite. */
function synth(data: Data, o: { methods?: string[]; generations?: number; evals?: string[] } = {}): Report {
  const methods = o.methods ?? ['normal', 'llf', 'seal'];
  const generations = o.generations ?? 3;
  const values: Report['values'] = [];
  let seeds = 0;
  for (const [metric, byMethod] of Object.entries(data)) {
    for (const [method, xs] of Object.entries(byMethod)) {
      seeds = Math.max(seeds, xs.length);
      xs.forEach((value, seed) => {
        values.push({ method, seed, generation: generations - 1, metric, value });
        values.push({ method, seed, generation: 0, metric, value: -value });
      });
    }
  }
  return {
    title: 't',
    created: '2026-01-01T00:00:00Z',
    methods,
    seeds: Array.from({ length: seeds }, (_, i) => i),
    generations,
    settings: {
      evals: o.evals ?? ['transfer', 'fewshot', 'depth'],
      train: { dataset: 'fashion-mnist', model: 'resnet18', width: 0.25, epochs: 6, limitTrain: 5000 },
    },
    metrics: INFOS.filter((i) => i.name in data),
    values,
    aggregates: [],
    differences: [],
    curves: [],
    depthHistograms: [],
    findings: [],
  };
}

const claim = (r: Report, id: Claim['id']): Claim => {
  const c = judgeClaims(r)?.claims.find((x) => x.id === id);
  assert.ok(c, `claim ${id}`);
  return c;
};
const verdicts = (c: Claim) => c.parts.map((p) => p.verdict);

test('(a) supported, contradicted, noise: the paired t-test decides, with the numbers of meanInterval', () => {
  const llf = [0.8, 0.82, 0.81];
  const up = [0.83, 0.84, 0.845];
  const a = claim(synth({ source_top1: { normal: llf, llf, seal: up } }), 'a');
  const diffs = up.map((x, i) => x - llf[i]!);
  const expect = meanInterval(diffs);
  const test = pairedTTest(diffs);
  assert.equal(a.verdict, 'supported');
  const p = a.parts[0]!;
  assert.deepEqual([p.metric, p.a, p.b, p.claimed, p.generation, p.n], ['source_top1', 'seal', 'llf', 'higher', 2, 3]);
  assert.ok(
    Math.abs(p.mean! - expect.mean) < 1e-12 &&
      Math.abs(p.ciLow! - expect.lower) < 1e-12 &&
      Math.abs(p.ciHigh! - expect.upper) < 1e-12,
  );
  // The only tested part of the four claims: a family of one, adjusted p = raw p.
  assert.deepEqual([p.test, p.p, p.pAdjusted, p.family], ['paired-t', test.p, test.p, 1]);
  assert.equal(
    p.text,
    'SEAL − LLF, Source test top-1 [source_top1]: +2.8 points (95% CI 0.9 to 4.7, 3 seeds; p = 0.023, ' +
      'Holm-adjusted over 1 part p = 0.023): supported',
  );

  assert.equal(claim(synth({ source_top1: { llf: up, seal: llf } }), 'a').verdict, 'contradicted');
  const noise = claim(synth({ source_top1: { llf, seal: [0.81, 0.81, 0.82] } }), 'a');
  assert.equal(noise.verdict, 'noise');
  assert.equal(noise.text, 'not distinguishable from noise');
});

test('the last generation is judged (generation 0 here says the opposite)', () => {
  const r = synth({ source_top1: { llf: [0.5, 0.51, 0.52], seal: [0.6, 0.62, 0.625] } }, { generations: 4 });
  assert.equal(judgeClaims(r)?.generation, 3);
  assert.equal(claim(r, 'a').verdict, 'supported');
  assert.equal(claim({ ...r, generations: 1 }, 'a').verdict, 'contradicted');
});

test('one or two seeds, or all differences equal: no interval, no test, not distinguishable from noise', () => {
  const p = claim(synth({ source_top1: { llf: [0.5], seal: [0.9] } }), 'a').parts[0]!;
  assert.deepEqual([p.verdict, p.n, p.ciLow, p.ciHigh, p.p, p.test], ['noise', 1, null, null, null, 'too-few-seeds']);
  assert.match(p.text, /: \+40\.0 points \(n=1: too few seeds for an interval\): not distinguishable from noise$/);
  // Two seeds once gave '+0.019 [0.019, 0.019]*': a zero-width interval, starred.
  const two = claim(synth({ source_top1: { llf: [0.5, 0.6], seal: [0.519, 0.619] } }), 'a').parts[0]!;
  assert.deepEqual([two.verdict, two.n, two.ciLow, two.ciHigh, two.p], ['noise', 2, null, null, null]);
  assert.match(two.text, /: \+1\.9 points \(n=2: too few seeds for an interval\): not distinguishable from noise$/);
  const same = claim(synth({ source_top1: { llf: [0.5, 0.6, 0.7], seal: [0.52, 0.62, 0.72] } }), 'a').parts[0]!;
  assert.deepEqual([same.verdict, same.test, same.ciLow, same.p, same.sd], ['noise', 'all-equal', null, null, 0]);
  assert.match(same.text, /: \+2\.0 points \(all 3 differences equal: no test\): not distinguishable from noise$/);
  assert.equal(judgeClaims(synth({ source_top1: { llf: [0.5, 0.6], seal: [0.519, 0.619] } }))?.family, 0);
});

test("Holm's adjustment over the claims: three parts each supported alone are noise together", () => {
  const llf = [0.8, 0.82, 0.81];
  const up = [0.83, 0.84, 0.845]; // up − llf = 0.03, 0.02, 0.035: raw p = 0.023 (see (a) above)
  const alone = claim(synth({ source_top1: { llf, seal: up } }), 'a');
  assert.equal(alone.verdict, 'supported');
  // The same differences for (a) source, (b) LLF − normal on transfer and (c) SEAL − LLF on transfer.
  const r = synth({ source_top1: { llf, seal: up }, transfer_mnist: { normal: up, llf, seal: up } });
  const c = judgeClaims(r)!;
  assert.equal(c.family, 3);
  const parts = c.claims.flatMap((x) => x.parts).filter((p) => p.p !== null);
  assert.equal(parts.length, 3);
  for (const p of parts) {
    // Holm: sorted equal p-values, 3p, max(3p, 2p), max(3p, p): all 3p = 0.0697 ≥ 0.05.
    assert.ok(Math.abs(p.pAdjusted! - 3 * p.p!) < 1e-12 && Math.abs(p.p! - alone.parts[0]!.p!) < 1e-9, p.text);
    assert.equal(p.verdict, 'noise', p.text);
    assert.match(p.text, /p = 0\.023, Holm-adjusted over 3 parts p = 0\.07\): not distinguishable from noise$/);
  }
  assert.match(c.rule, /Holm's adjustment over the 3 tested parts of all four claims/);
});

test('(b) claims LLF lower than normal; (d) claims lower depth, and is supported only if both parts are', () => {
  const r = synth({
    transfer_mnist: { normal: [0.9, 0.91, 0.92], llf: [0.85, 0.855, 0.87], seal: [0.9, 0.9, 0.9] },
    depth_test: { normal: [3.0, 3.1, 3.2], llf: [3.5, 3.6, 3.6], seal: [2.5, 2.6, 2.65] },
  });
  const b = claim(r, 'b');
  assert.deepEqual(
    [b.verdict, b.parts[0]!.a, b.parts[0]!.b, b.parts[0]!.claimed],
    ['supported', 'llf', 'normal', 'lower'],
  );
  const d = claim(r, 'd');
  assert.deepEqual([d.verdict, ...verdicts(d)], ['supported', 'supported', 'supported']);
  assert.deepEqual(
    d.parts.map((p) => `${p.a}-${p.b}`),
    ['seal-llf', 'seal-normal'],
  );

  const mixed = claim(
    synth({ depth_test: { normal: [2.0, 2.1, 2.1], llf: [3.5, 3.6, 3.6], seal: [2.5, 2.6, 2.65] } }),
    'd',
  );
  assert.deepEqual([mixed.verdict, ...verdicts(mixed)], ['contradicted', 'supported', 'contradicted']);
  assert.equal(mixed.text, 'contradicted (of 2 parts: 1 supported, 1 contradicted)');
});

test('(c) has a part per transfer and few-shot metric; noise in one part keeps the claim from being supported', () => {
  const c = claim(
    synth({
      transfer_mnist: { llf: [0.8, 0.81, 0.82], seal: [0.85, 0.86, 0.88] },
      'fewshot_mnist_5w1s_nearest-centroid': { llf: [0.5, 0.6, 0.7], seal: [0.6, 0.5, 0.72] },
      'fewshot_mnist_5w5s_nearest-centroid': { llf: [0.7, 0.71, 0.72], seal: [0.75, 0.76, 0.78] },
    }),
    'c',
  );
  assert.deepEqual(
    c.parts.map((p) => p.metric),
    ['transfer_mnist', 'fewshot_mnist_5w1s_nearest-centroid', 'fewshot_mnist_5w5s_nearest-centroid'],
  );
  assert.deepEqual([c.verdict, ...verdicts(c)], ['noise', 'supported', 'noise', 'supported']);
  assert.equal(c.text, 'not distinguishable from noise (of 3 parts: 2 supported, 1 not distinguishable from noise)');
});

test('a metric not evaluated says which --eval measures it; one requested but missing says so', () => {
  const r = synth({ source_top1: { llf: [0.5, 0.5], seal: [0.6, 0.6] } }, { evals: [] });
  const c = claim(r, 'c');
  assert.deepEqual([c.verdict, ...verdicts(c)], ['not-evaluated', 'not-evaluated', 'not-evaluated']);
  assert.deepEqual(
    c.parts.map((p) => [p.metric, p.mean, p.n]),
    [
      ['transfer_*', null, 0],
      ['fewshot_*', null, 0],
    ],
  );
  assert.equal(c.parts[0]!.text, 'SEAL − LLF, Transfer (linear probe): not evaluated (run with --eval transfer)');
  assert.equal(c.text, 'not evaluated');
  assert.match(claim(r, 'd').parts[0]!.text, /not evaluated \(run with --eval depth\)$/);
  assert.match(
    claim(synth({ source_top1: { llf: [0.5], seal: [0.6] } }), 'd').parts[0]!.text,
    /not evaluated \(no values at generation 2\)$/,
  );
  // Transfer measured, few-shot not: supported where measured is still not supported.
  const half = claim(
    synth({ transfer_mnist: { llf: [0.8, 0.81, 0.82], seal: [0.85, 0.86, 0.88] } }, { evals: ['transfer'] }),
    'c',
  );
  assert.deepEqual([half.verdict, ...verdicts(half)], ['not-evaluated', 'supported', 'not-evaluated']);
  assert.equal(half.text, 'not evaluated (of 2 parts: 1 supported, 1 not evaluated)');
});

test('without normal training, the claims that need it say so; without SEAL or LLF there are no claims', () => {
  const data: Data = {
    transfer_mnist: { llf: [0.8, 0.81, 0.83], seal: [0.85, 0.86, 0.89] },
    depth_test: { llf: [3.5, 3.6, 3.6], seal: [2.5, 2.6, 2.65] },
  };
  const r = synth(data, { methods: ['llf', 'seal'] });
  const b = claim(r, 'b');
  assert.equal(b.verdict, 'not-evaluated');
  assert.equal(
    b.parts[0]!.text,
    'LLF − normal, Linear probe on mnist: not evaluated (needs normal training: add normal to --methods)',
  );
  const d = claim(r, 'd');
  assert.deepEqual([d.verdict, ...verdicts(d)], ['not-evaluated', 'supported', 'not-evaluated']);
  assert.match(
    d.parts[1]!.text,
    /^SEAL − normal, .*: not evaluated \(needs normal training: add normal to --methods\)$/,
  );
  assert.equal(claim(r, 'c').verdict, 'not-evaluated'); // few-shot not run
  const both = claim(synth({ source_top1: { llf: [0.5], seal: [0.6] } }, { methods: ['llf', 'seal'], evals: [] }), 'b');
  assert.match(both.parts[0]!.text, /\(needs normal training: add normal to --methods; run with --eval transfer\)$/);
  assert.equal(judgeClaims(synth(data, { methods: ['normal', 'seal'] })), null);
  assert.equal(judgeClaims(synth(data, { methods: ['normal', 'llf'] })), null);
});

test('combine: contradicted beats everything, supported needs every part', () => {
  const part = (verdict: ClaimPart['verdict']) => ({ verdict }) as ClaimPart;
  assert.equal(combine([part('supported'), part('supported')]).text, 'supported');
  assert.equal(combine([part('supported'), part('contradicted'), part('noise')]).verdict, 'contradicted');
  assert.equal(combine([part('not-evaluated'), part('noise')]).verdict, 'noise');
  assert.equal(combine([part('noise'), part('noise')]).text, 'not distinguishable from noise');
});

test("the scale note names the paper's setting and this report's, defaults filled in", () => {
  const r = synth({ source_top1: { llf: [0.5], seal: [0.6] } });
  assert.equal(
    scaleNote(r),
    "The paper's results come from ResNets on Tiny-ImageNet (64 px) at 10 generations x 160 epochs; this report's from " +
      'resnet18 (width 0.25) on fashion-mnist (5000 training images) at 3 generations x 6 epochs, 1 seed. A verdict here is about these settings only.',
  );
  r.settings = {};
  assert.match(scaleNote(r), /from resnet50 \(width 1\) on fashion-mnist at 3 generations x 160 epochs, 1 seed\./);
});

const FIXTURE = fileURLToPath(new URL('../../../test/report/sample-report.json', import.meta.url));

test('report.md and report.html open with the claims section; a report without claims has none', async () => {
  const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
  assert.equal(report.claims, undefined, 'the fixture predates claims');
  assert.doesNotMatch(renderMarkdown(report), /paper's claims/);
  report.claims = judgeClaims(report);
  const md = renderMarkdown(report);
  const at = md.indexOf("## The paper's claims (generation 2)");
  assert.ok(at > 0 && at < md.indexOf('## Headline'), 'claims come before the headline');
  assert.ok(md.includes(`\n${report.claims!.scale}\n`));
  for (const c of report.claims!.claims) {
    assert.ok(md.includes(`- (${c.id}) ${c.statement}: **${c.text}**\n`), c.id);
    for (const p of c.parts) assert.ok(md.includes(`  - ${p.text}`), p.text);
  }
  const html = await renderHtml(report);
  const h = html.indexOf('<section id="claims">');
  assert.ok(h > 0 && h < html.indexOf('<section id="headline">'));
  for (const id of ['a', 'b', 'c', 'd']) assert.ok(html.includes(`<li id="claim-${id}">`), id);
  assert.match(
    html,
    /SEAL&#39;s prediction depth is lower than LLF&#39;s and than normal training&#39;s: <span class="verdict (supported|contradicted|noise|not-evaluated)">/,
  );
});
