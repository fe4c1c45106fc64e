// The evaluations a comparison runs on every checkpoint. Each is a kind with, for transfer and
// few-shot, an optional target; its id (the kind, or KIND:NAME with NAME the target's dataset)
// names its options in compare.json and its result files. On the command line (`--eval`):
//   transfer                         an evaluation with its comparison defaults (target mnist)
//   transfer:cub=/data/CUB_200_2011  transfer to a dataset read from its publisher's layout
//   transfer:opencv-digits           transfer to a built-in target
// An item without a kind (`aircraft=PATH`, `mnist`) adds another target to the kind before it, so
// `transfer:cub=A,aircraft=B,fewshot:eurosat=C,depth` is four evaluations.
import { OptionError } from '../errors.js';
import { SOURCE_KINDS } from '../data/registry.js';
import { EVALUATORS, findEvaluation } from './registry.js';
import { TARGET_NAMES, targetDatasetName } from './targets.js';

/** An evaluation as a caller chooses it: a kind, or a kind with a target (a loadTarget spec). */
export type EvalChoice = string | { kind: string; target?: string };

/** One evaluation of a comparison: its id, its kind, and its target if it was given one. */
export interface EvalInstance {
  id: string;
  kind: string;
  target?: string;
}

/** The evaluation kind of an id (`transfer:cub` → `transfer`). */
export const evalKindOf = (id: string): string => id.split(':')[0] as string;

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const FORMS =
  'KIND, KIND:TARGET or KIND:DATASET=PATH, e.g. transfer:cub=/data/CUB_200_2011,aircraft=/data/fgvc-aircraft-2013b';
const KINDS = `evaluations: ${Object.keys(EVALUATORS).join(', ')}`;

/** The dataset name of a target spec: a built-in name, or DATASET of DATASET:PATH; refused otherwise. */
function targetName(kind: string, target: string): string {
  const colon = target.indexOf(':');
  const name = targetDatasetName(target);
  if (colon < 0 && !(TARGET_NAMES as readonly string[]).includes(name))
    throw new OptionError(
      'eval',
      `'${target}' is not a built-in target of ${kind}`,
      `built in: ${TARGET_NAMES.join(', ')}; a dataset on disk is DATASET=PATH with DATASET one of ${SOURCE_KINDS.join(', ')}`,
    );
  if (colon >= 0 && (!(SOURCE_KINDS as readonly string[]).includes(name) || colon === target.length - 1))
    throw new OptionError(
      'eval',
      `'${name}=${target.slice(colon + 1)}' should be DATASET=PATH with DATASET one of ${SOURCE_KINDS.join(', ')} and a path`,
      '`seal data --help` lists each layout',
    );
  if (!NAME.test(name)) throw new OptionError('eval', `'${name}' is not a dataset name`, FORMS);
  return name;
}

function instanceOf(kind: string, target: string | undefined): EvalInstance {
  const ev = findEvaluation(kind);
  if (ev === undefined)
    throw new OptionError('eval', `'${kind}' is not an evaluation`, `${KINDS}; each item is ${FORMS}`);
  if (target === undefined) return { id: kind, kind };
  if (!('target' in ev.options))
    throw new OptionError('eval', `${kind} takes no target ('${target}')`, 'targets are for transfer and fewshot');
  return { id: `${kind}:${targetName(kind, target)}`, kind, target };
}

/**
 * A comparison's evaluations with their ids. A kind given twice, a target given twice for one
 * kind (two folders of one dataset cannot be told apart by name), an unknown kind or target, or
 * a target for an evaluation that takes none is refused.
 */
export function evalInstances(choices: readonly EvalChoice[]): EvalInstance[] {
  const out = choices.map((c) => (typeof c === 'string' ? instanceOf(c, undefined) : instanceOf(c.kind, c.target)));
  const ids = out.map((e) => e.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new OptionError('eval', `${twice} is listed twice`, 'give each evaluation and each of its targets once');
  return out;
}

/** A target item `NAME` or `NAME=PATH` as a loadTarget spec (`NAME` or `NAME:PATH`). */
const itemTarget = (item: string): string => {
  const eq = item.indexOf('=');
  return eq < 0 ? item : `${item.slice(0, eq)}:${item.slice(eq + 1)}`;
};

/** The evaluations of an --eval list (its comma-separated items, in order); paths as given. */
export function parseEvalList(items: readonly string[]): EvalInstance[] {
  const choices: EvalChoice[] = [];
  let current: string | null = null;
  for (const item of items) {
    const colon = item.indexOf(':');
    const head = colon < 0 ? (item.split('=')[0] as string) : item.slice(0, colon);
    const kind = findEvaluation(head) !== undefined ? head : null;
    if (kind !== null && colon < 0) {
      choices.push(kind);
      current = null;
      continue;
    }
    const owner: string | null = kind ?? current;
    if (owner === null)
      throw new OptionError('eval', `'${item}' is not an evaluation`, `${KINDS}; each item is ${FORMS}`);
    choices.push({ kind: owner, target: itemTarget(kind !== null ? item.slice(colon + 1) : item) });
    current = owner;
  }
  return evalInstances(choices);
}
