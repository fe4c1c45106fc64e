// The early/late split (method.md §2): walk the parameters in registration order; the split
// point is the first non-BatchNorm parameter inside the module named by `splitAt` (e.g.
// layer3.0.conv1.weight for 'layer3'). Everything before it is early, BatchNorm and
// downsample parameters included; everything from it on, the classifier included, is late.
import { ConfigError } from '../errors.js';
import type { Tensor } from '../backend/index.js';
import { BatchNorm2d } from '../nn/layers.js';
import type { Module } from '../nn/module.js';

export type NamedParam = [string, Tensor];
export interface Split { early: NamedParam[]; late: NamedParam[] }

/** The module that owns each parameter, by full parameter name. */
export function owners(model: Module): Map<string, Module> {
  const out = new Map<string, Module>();
  for (const [prefix, m] of model.namedModules()) {
    for (const [n] of m.namedParameters()) {
      const full = prefix ? `${prefix}.${n}` : n;
      if (!n.includes('.')) out.set(full, m);
    }
  }
  return out;
}

export function splitParameters(model: Module, splitAt: string): Split {
  const params = model.namedParameters();
  const owner = owners(model);
  const depth = splitAt.split('.').length;
  const at = params.findIndex(([n]) => !(owner.get(n) instanceof BatchNorm2d) && n.split('.').slice(0, depth).join('.') === splitAt);
  if (at < 0) {
    const tops = [...new Set(params.map(([n]) => n.split('.')[0]))];
    throw new ConfigError(`splitAt '${splitAt}' names no layer of this model`, `use one of ${tops.join(', ')}, or a block such as layer3.1`);
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
  const e = count(split.early), l = count(split.late);
  lines.push(`early: ${split.early.length} tensors, ${e.toLocaleString('en-US')} parameters (${((100 * e) / (e + l)).toFixed(1)}%)`);
  lines.push(`late:  ${split.late.length} tensors, ${l.toLocaleString('en-US')} parameters`);
  return lines.join('\n');
}
