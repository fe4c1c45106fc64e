// Method name → factory. Adding a method is one file in methods/ plus one line here.
import type { MethodName, ResolvedConfig } from '../config/schema.js';
import type { TrainingMethod } from '../train/hooks.js';
import { ke } from './ke.js';
import { llf } from './llf.js';
import { normal } from './normal.js';
import { seal } from './seal.js';

export const METHODS: Readonly<Record<MethodName, (c: ResolvedConfig) => TrainingMethod>> = Object.freeze({
  normal: () => normal(),
  llf: () => llf(),
  seal: (c) => seal(c, 'seal'),
  'llf+seal': (c) => seal(c, 'llf+seal'),
  reverse: (c) => seal(c, 'reverse'),
  'freeze-late': (c) => seal(c, 'freeze-late'),
  ke: (c) => ke(c.keSplitRate),
});
