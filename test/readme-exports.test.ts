// Every function the README names as part of the library is exported by the package's entry point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as seal from '../src/index.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

test('the evaluations the README lists as library functions are exported', () => {
  const m = /The same evaluations are library functions\s*\(([^)]+)\)/.exec(README);
  assert.ok(m, 'the README lists the evaluation functions');
  const names = [...(m[1] as string).matchAll(/`(\w+)`/g)].map((x) => x[1] as string);
  assert.ok(names.length >= 5, names.join(', '));
  for (const n of names) assert.equal(typeof (seal as Record<string, unknown>)[n], 'function', `${n} is not exported`);
});

test("every name imported from 'seal' in the README's TypeScript examples is exported", () => {
  const imports = [...README.matchAll(/import \{([^}]+)\} from 'seal'/g)].flatMap((x) =>
    (x[1] as string)
      .split(',')
      .map((s) => s.trim().replace(/^type /, ''))
      .filter(Boolean),
  );
  assert.ok(imports.length > 0);
  const types = new Set(['ImageSet', 'Tensor', 'RunConfig', 'ResolvedConfig', 'Report']);
  for (const n of imports.filter((x) => !types.has(x))) assert.ok(n in seal, `${n} is not exported`);
});
