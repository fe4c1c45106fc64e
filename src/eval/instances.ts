// The evaluations a comparison runs on every checkpoint, as `seal compare --eval` lists them:
//   transfer                         an evaluation with its comparison defaults (target mnist)
//   transfer:cub=/data/CUB_200_2011  transfer to a dataset read from its publisher's layout
//   transfer:opencv-digits           transfer to a built-in target
// An item without a kind (`aircraft=PATH`, `mnist`) adds another target to the kind before it, so
// `transfer:cub=A,aircraft=B,fewshot:eurosat=C,depth` is four evaluations. Each has an id (the
// kind, or KIND:NAME) that names its options in compare.json and its result files.
import { ConfigError } from '../errors.js';
import { SOURCE_KINDS } from '../data/registry.js';
import { EVALUATORS, findEvaluation } from './registry.js';
import { TARGET_NAMES } from './targets.js';

/** One evaluation of a comparison: its id, its kind, and the target it was given (a loadTarget spec). */
export interface EvalInstance {
  id: string;
  kind: string;
  target?: string;
}

/** The evaluation kind of an id (`transfer:cub` → `transfer`). */
export const evalKindOf = (id: string): string => id.split(':')[0] as string;

/** The part of a result file's name an id gives: `transfer:cub` → `transfer.cub`. */
export const evalFileId = (id: string): string => id.replace(':', '.');

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const FORMS =
  'KIND, KIND:TARGET or KIND:DATASET=PATH, e.g. transfer:cub=/data/CUB_200_2011,aircraft=/data/fgvc-aircraft-2013b';

/** A target item `NAME` or `NAME=PATH` as a loadTarget spec, or a ConfigError naming the item. */
function targetSpec(item: string, kind: string): { name: string; spec: string } {
  const eq = item.indexOf('=');
  const name = eq < 0 ? item : item.slice(0, eq);
  const path = eq < 0 ? null : item.slice(eq + 1);
  if (path === null) {
    if (!(TARGET_NAMES as readonly string[]).includes(name))
      throw new ConfigError(
        `--eval: '${item}' is not a built-in target of ${kind}`,
        `built in: ${TARGET_NAMES.join(', ')}; a dataset on disk is NAME=PATH with NAME one of ${SOURCE_KINDS.join(', ')}`,
      );
    return { name, spec: name };
  }
  if (!(SOURCE_KINDS as readonly string[]).includes(name) || path === '')
    throw new ConfigError(
      `--eval: '${item}' should be DATASET=PATH with DATASET one of ${SOURCE_KINDS.join(', ')} and a path`,
      '`seal data --help` lists each layout',
    );
  return { name, spec: `${name}:${path}` };
}

/**
 * The evaluations of an --eval list (its comma-separated items, in order). A kind given twice,
 * a target given twice for one kind, or a target for an evaluation that takes none is refused.
 * Paths are kept as given (the caller makes them absolute).
 */
export function parseEvalList(items: readonly string[]): EvalInstance[] {
  const out: EvalInstance[] = [];
  let current: string | null = null;
  for (const item of items) {
    const colon = item.indexOf(':');
    const head = colon < 0 ? item.split('=')[0]! : item.slice(0, colon);
    const kind = findEvaluation(head) !== undefined ? head : null;
    if (kind !== null && colon < 0) {
      out.push({ id: kind, kind });
      current = null;
      continue;
    }
    const owner: string | null = kind ?? current;
    if (owner === null)
      throw new ConfigError(
        `--eval: '${item}' is not an evaluation`,
        `evaluations: ${Object.keys(EVALUATORS).join(', ')}; each item is ${FORMS}`,
      );
    if (!('target' in (findEvaluation(owner)?.options ?? {})))
      throw new ConfigError(`--eval: ${owner} takes no target ('${item}')`, `targets are for transfer and fewshot`);
    const { name, spec } = targetSpec(kind !== null ? item.slice(colon + 1) : item, owner);
    if (!NAME.test(name)) throw new ConfigError(`--eval: '${name}' is not a dataset name`, FORMS);
    out.push({ id: `${owner}:${name}`, kind: owner, target: spec });
    current = owner;
  }
  const ids = out.map((e) => e.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new ConfigError(
      `--eval: ${twice} is listed twice`,
      'give each evaluation and each of its targets once (two folders of one kind cannot be told apart by name)',
    );
  return out;
}
