// `seal data check NAME PATH`: lists a dataset in its publisher's layout (every split file read,
// every image it names looked for, nothing decoded) and compares its classes and split sizes with
// the published counts. `seal data --help`: every such dataset with the layout it expects.
import { resolve } from 'node:path';
import { ConfigError, nearest } from '../errors.js';
import { PUBLISHED, PUBLISHED_KINDS, isPublishedKind, type PublishedDataset } from '../data/published/index.js';
import { classCounts } from '../data/image-set.js';

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

export const DATA_USAGE = `usage: seal data check NAME PATH

Lists the dataset NAME in the folder PATH, laid out as its publisher's archives extract (every
split file read, every image it names looked for, nothing decoded), prints its classes and split
sizes and compares them with the published counts: exit 0 when they match, 1 (with the
differences) when they do not or a file is missing or malformed. The same NAME:PATH is a
--dataset or --target (e.g. seal eval transfer --target cub:/data/CUB_200_2011).

datasets:
${PUBLISHED_KINDS.map((k, i) => {
  const d = PUBLISHED[k];
  // The variants of one dataset (cub-bbox, aircraft-family, …) read the folder of the one before.
  const same = PUBLISHED_KINDS.slice(0, i).find((o) => PUBLISHED[o].layout === d.layout);
  const layout = same === undefined ? indent(d.layout, '    ') : `    layout: as ${same}`;
  return `  ${k}: ${d.title}\n${indent(`protocol: ${d.protocol}`, '    ')}\n${layout}`;
}).join('\n\n')}
`;

const n = (x: number): string => x.toLocaleString('en-US');

/** The differences between a listing and the published counts (empty when they agree). */
export function countDifferences(d: PublishedDataset, classes: number, train: number, test: number): string[] {
  const out: string[] = [];
  const c = d.counts;
  if (classes !== c.classes) out.push(`classes: ${n(classes)} here, ${n(c.classes)} published`);
  if (c.train !== null && train !== c.train) out.push(`train: ${n(train)} images here, ${n(c.train)} published`);
  if (c.test !== null && test !== c.test) out.push(`test: ${n(test)} images here, ${n(c.test)} published`);
  if (c.total !== null && train + test !== c.total)
    out.push(`images: ${n(train + test)} here, ${n(c.total)} published`);
  return out;
}

export async function dataCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help')) {
    process.stdout.write(DATA_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check')
    throw new ConfigError(
      `unknown data command '${sub}'`,
      'the one data command is `seal data check NAME PATH` (seal data --help)',
    );
  const flag = rest.find((a) => a.startsWith('-'));
  if (flag !== undefined)
    throw new ConfigError(`seal data check takes no options; got '${flag}'`, 'write it as seal data check NAME PATH');
  if (rest.length !== 2)
    throw new ConfigError(
      `seal data check takes a dataset name and a folder; got ${rest.length} argument(s)`,
      `write it as seal data check NAME PATH, NAME one of ${PUBLISHED_KINDS.join(', ')}`,
    );
  const [name, path] = rest as [string, string];
  if (!isPublishedKind(name))
    throw new ConfigError(
      `unknown dataset '${name}'; the datasets with a published layout are ${PUBLISHED_KINDS.join(', ')}`,
      `did you mean '${nearest(name, PUBLISHED_KINDS)}'? (seal data --help shows each layout)`,
    );
  const d = PUBLISHED[name];
  const plan = await d.plan(resolve(path), {});
  const k = plan.classNames.length;
  const train = classCounts({ labels: Int32Array.from(plan.train, (e) => e.label), numClasses: k });
  const test = classCounts({ labels: Int32Array.from(plan.test, (e) => e.label), numClasses: k });
  const width = Math.max(5, ...plan.classNames.map((c) => c.length));
  const out: string[] = [`${d.title} (${name}) in ${plan.root}`, `protocol: ${d.protocol}`];
  for (const note of plan.notes) out.push(`note: ${note}`);
  out.push('', `${'class'.padEnd(width)}  ${'train'.padStart(6)}  ${'test'.padStart(6)}`);
  plan.classNames.forEach((c, i) =>
    out.push(`${c.padEnd(width)}  ${String(train[i]).padStart(6)}  ${String(test[i]).padStart(6)}`),
  );
  out.push(
    '',
    `${n(k)} classes; train ${n(plan.train.length)} images, test ${n(plan.test.length)} images (${n(plan.train.length + plan.test.length)} in all)`,
  );
  const c = d.counts;
  const published = [
    `${n(c.classes)} classes`,
    ...(c.train !== null ? [`train ${n(c.train)}`] : []),
    ...(c.test !== null ? [`test ${n(c.test)}`] : []),
    c.total !== null ? `${n(c.total)} images` : 'image count not known',
  ];
  out.push(`published (${c.source}): ${published.join(', ')}`);
  const diff = countDifferences(d, k, plan.train.length, plan.test.length);
  const empty = train.flatMap((t, i) => (t + test[i]! === 0 ? [plan.classNames[i]!] : []));
  if (empty.length > 0)
    diff.push(`classes without images: ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', …' : ''}`);
  if (diff.length === 0) out.push('matches the published counts.');
  else out.push('differs from the published counts:', ...diff.map((x) => `  ${x}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return diff.length === 0 ? 0 : 1;
}
