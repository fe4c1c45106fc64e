// The README's options table is the option descriptions themselves, and every flag a command's
// parser accepts has a row: a flag added in one place and not the other fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionsMarkdown } from '../../src/cli/options-doc.js';
import { commandFlags } from '../../src/cli/args.js';
import { KEYS } from '../../src/config/schema.js';
import { kebab } from '../../src/config/resolve.js';
import { EVALUATORS } from '../../src/eval/registry.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

test("the README's options table is `seal help options`", () => {
  const m = /<!-- options:begin -->\n([\s\S]*?)\n<!-- options:end -->/.exec(README);
  assert.ok(m, 'the README has the options section markers');
  assert.equal(m[1], optionsMarkdown(), 'regenerate it: seal help options');
});

test('every flag of every command, training setting and evaluation option has a row with its bounds', () => {
  const table = optionsMarkdown();
  const flags = [
    ...(['train', 'compare', 'sweep', 'eval', 'worker', 'info'] as const).flatMap((c) => Object.keys(commandFlags(c))),
    ...Object.keys(KEYS).map(kebab),
    ...Object.values(EVALUATORS).flatMap((e) => Object.keys(e.options)),
  ];
  for (const f of flags) assert.ok(table.includes(`| \`--${f}\` |`), `--${f} has no row`);
  assert.match(table, /\| `--epochs` \| train, compare, sweep \| integer \| 1\.\.10000 \| 160 \|/);
  assert.match(table, /\| `--episodes` \| eval fewshot \| integer \| 1\.\.100000 \| 600 \|/);
});
