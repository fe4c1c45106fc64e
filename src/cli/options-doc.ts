// Every option of every command as one Markdown table, made from the three places options are
// described (training settings, the commands' own options, the evaluations' options): what
// `seal help options` prints and what the README's options section holds.
import { boundsText, type OptionDoc } from '../config/options.js';
import { DEFAULTS, KEYS } from '../config/schema.js';
import { kebab } from '../config/resolve.js';
import { EVALUATORS } from '../eval/registry.js';
import { COMMAND_OPTIONS, type CommandOption } from './command-options.js';

interface Row {
  flag: string;
  commands: string;
  accepts: string;
  bounds: string;
  shown: string;
  help: string;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

function kindText(doc: OptionDoc | { kind: 'switch' }): string {
  switch (doc.kind) {
    case 'switch':
      return 'switch';
    case 'boolean':
      return 'switch (--no-X turns it off)';
    case 'enum':
      return (doc.values ?? []).join(' | ');
    case 'int':
      return 'integer';
    case 'number':
      return 'number';
    case 'ints':
      return 'integers, comma-separated (A-B: a range)';
    case 'strings':
      return doc.values !== undefined ? `comma-separated: ${doc.values.join(', ')}` : 'names, comma-separated';
    default:
      return doc.expected ?? 'text';
  }
}

function trainingRows(): Row[] {
  return Object.entries(KEYS).map(([key, doc]) => {
    const d = DEFAULTS[key as keyof typeof DEFAULTS];
    const shown = d === null ? ({ ascentEpochs: 'E/4', warmupEpochs: 'E/8' }[key] ?? 'none') : String(d);
    return {
      flag: kebab(key),
      commands: 'train, compare, sweep',
      accepts: kindText(doc) + (doc.nullable ? ' or null' : ''),
      bounds: boundsText(doc),
      shown,
      help: doc.help,
    };
  });
}

function commandRows(): Row[] {
  return Object.entries(COMMAND_OPTIONS as Record<string, CommandOption>).map(([key, o]) => ({
    flag: o.flag ?? key,
    commands: o.commands.join(', '),
    accepts: kindText(o.doc) + (o.repeat ? ' (repeatable)' : ''),
    bounds: o.doc.kind === 'switch' ? '' : boundsText(o.doc) + (o.doc.maxItems ? `, at most ${o.doc.maxItems}` : ''),
    shown: o.shown ?? '',
    help: o.doc.help,
  }));
}

function evaluationRows(): Row[] {
  return Object.entries(EVALUATORS).flatMap(([kind, ev]) =>
    Object.entries(ev.options).map(([name, doc]) => ({
      flag: name,
      commands: `eval ${kind}`,
      accepts: kindText(doc),
      bounds: boundsText(doc) + (doc.maxItems ? `, at most ${doc.maxItems}` : ''),
      shown: String(doc.default),
      help: doc.help,
    })),
  );
}

/** The table, one row per option and command group, in the order: training, commands, evaluations. */
export function optionsMarkdown(): string {
  const rows = [...trainingRows(), ...commandRows(), ...evaluationRows()];
  return [
    '| option | commands | accepts | bounds | default | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        [`\`--${r.flag}\``, r.commands, r.accepts, r.bounds, r.shown, r.help].map(cell).join(' | ').replace(/^/, '| ') +
        ' |',
    ),
  ].join('\n');
}
