// The early/late split (method.md §2), from the model's declared layer groups: walk the
// parameters in depth order (the groups', which is registration order); the split point is the
// first non-BatchNorm parameter inside the group, or the group's module, named by `splitAt`
// (e.g. layer3.0.conv1.weight for 'layer3' or 'layer3.0'). Everything before it is early,
// BatchNorm and downsample parameters included; everything from it on, the head included, is late.
import { ConfigError } from '../errors.js';
import { BatchNorm2d } from '../nn/layers.js';
import { groupParameters, type Classifier, type NamedParam, type Split } from '../models/types.js';

export type { NamedParam } from '../models/types.js';
export type { Split } from '../models/types.js';

export function splitParameters(model: Classifier, splitAt: string): Split {
  const groups = model.layerGroups();
  const params = groups.flatMap(groupParameters);
  const group = groups.find((g) => g.name === splitAt);
  const named = group?.modules ?? groups.flatMap((g) => g.modules).filter(([n]) => n === splitAt);
  const inside = new Set(named.flatMap(([n, m]) => m.namedParameters(`${n}.`).map(([p]) => p)));
  const owner = model.parameterOwners();
  const at = params.findIndex(([n]) => inside.has(n) && !(owner.get(n) instanceof BatchNorm2d));
  if (at < 0) {
    const example = groups.find((g) => g.modules.length > 1 && /\.\d+$/.test(g.modules[1]?.[0] ?? ''))?.modules[1]?.[0];
    throw new ConfigError(
      `splitAt '${splitAt}' names no layer of this model`,
      `use one of ${groups.map((g) => g.name).join(', ')}${example ? `, or a block such as ${example}` : ''}`,
    );
  }
  return { early: params.slice(0, at), late: params.slice(at) };
}

/** A table of every parameter with its side, and the totals (for `seal train --print-split`). */
export function describeSplit(split: Split): string {
  const count = (ps: NamedParam[]) => ps.reduce((s, [, p]) => s + p.size, 0);
  const lines = [
    ...split.early.map(([n, p]) => `early  ${n.padEnd(36)} [${p.shape.join(',')}]`),
    ...split.late.map(([n, p]) => `late   ${n.padEnd(36)} [${p.shape.join(',')}]`),
  ];
  const e = count(split.early),
    l = count(split.late);
  lines.push(
    `early: ${split.early.length} tensors, ${e.toLocaleString('en-US')} parameters (${((100 * e) / (e + l)).toFixed(1)}%)`,
  );
  lines.push(`late:  ${split.late.length} tensors, ${l.toLocaleString('en-US')} parameters`);
  return lines.join('\n');
}
