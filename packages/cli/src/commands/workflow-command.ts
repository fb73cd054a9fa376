import { UsageError, flagRows, table } from '../flags.js';
import type { Action, Command, Route } from '../command.js';
import { WORKFLOWS } from '../workflows/index.js';
import { VERBS, type Verb, type Workflow } from '../workflows/workflow.js';

/** `--name` or `--name=…` on the command line. */
function given(argv: readonly string[], name: string): boolean {
  return argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** How a command line reaches workflow `w`'s `verb`: `rnn train --csv`, or `rnn train` for the array mode. */
function how(w: Workflow, verb: Verb): string {
  return `rnn ${verb}${w.trigger ? ` --${w.trigger}` : ''}`;
}

/**
 * `rnn train|predict|evaluate|forecast|generate`: dispatches to the workflow picked by its trigger
 * flag (or the one workflow that has the command, or the array mode), and parses only its flags.
 */
export function workflowCommand(verb: Verb, summary: string, workflows: readonly Workflow[] = WORKFLOWS): Command {
  const having = () => workflows.filter((w) => w[verb]);

  function pick(argv: readonly string[]): Workflow | null {
    const all = having();
    const triggered = all.filter((w) => w.trigger && given(argv, w.trigger));
    if (triggered.length > 1) {
      throw new UsageError(`rnn ${verb}: ${triggered.map((w) => `--${w.trigger}`).join(' and ')} pick different workflows (${triggered.map((w) => w.name).join(', ')}); give one`);
    }
    return triggered[0] ?? all.find((w) => !w.trigger) ?? (all.length === 1 ? all[0]! : null);
  }

  function routeTo(w: Workflow): Route {
    const act = w[verb]!;
    const label = having().length > 1 && w.trigger ? `${verb} --${w.trigger}` : verb;
    return {
      action: act,
      label,
      elsewhere(name) {
        const has = (o: Workflow, v: Verb) => Object.hasOwn(o[v]?.flags.flags ?? {}, name);
        const owners = workflows.filter((o) => o !== w && has(o, verb));
        if (owners.length) {
          const names = owners.map((o) => o.name);
          const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)} workflows` : `${names[0]} workflow`;
          return `--${name} belongs to the ${list} (${owners.map((o) => how(o, verb)).join(', ')})`;
        }
        const verbs = VERBS.filter((v) => v !== verb && workflows.some((o) => has(o, v)));
        return verbs.length ? `--${name} is a flag of ${verbs.map((v) => `rnn ${v}`).join(' and ')}, not of rnn ${verb}` : null;
      },
    };
  }

  const triggers = () =>
    having()
      .filter((w) => w.trigger)
      .map((w) => `--${w.trigger} ${w[verb]!.flags.flags[w.trigger!]?.info.value ?? 'FILE'}`);

  return {
    name: verb,
    get summary() {
      const kinds = having().map((w) => (w.trigger ? `--${w.trigger}` : w.name));
      return kinds.length > 1 ? `${summary} (${kinds.join(', ')})` : summary;
    },
    routes: () => having().map(routeTo),
    route(argv) {
      const w = pick(argv);
      if (!w) throw new UsageError(`rnn ${verb}: give ${triggers().join(' or ')} (the workflow); see rnn ${verb} --help`);
      return routeTo(w);
    },
    help(argv) {
      const w = pick(argv);
      const only = having().length === 1;
      if (w && (only || (w.trigger && given(argv, w.trigger)))) {
        return [`rnn ${routeTo(w).label} — ${only ? this.summary : w.summary}`, '', ...actionBlock(w[verb]!)].join('\n');
      }
      const rows = having().map((o) => [o.trigger ? `  --${o.trigger} ${o[verb]!.flags.flags[o.trigger]?.info.value ?? 'FILE'}` : '  (no workflow flag)', `${o.name}: ${o.summary}`] as const);
      const example = having().find((o) => o.trigger)?.trigger ?? '';
      const lines = [`rnn ${verb} — ${summary}`, '', `Workflows, each picked by its flag (rnn ${verb} --${example} --help lists that workflow's options):`, ...table(rows)];
      if (w) lines.push('', `With no workflow flag: the ${w.name} workflow.`, '', ...actionBlock(w[verb]!));
      return lines.join('\n');
    },
  };
}

/** The options of one action and its examples, as help lines. */
export function actionBlock(a: Action): string[] {
  return ['Options:', ...table([...flagRows(a.flags.flags), ['  --help', 'show this help']]), '', 'Examples:', ...a.examples.map((e) => `  ${e}`)];
}

/** A command with one action and no workflows (`rnn info`, `rnn summary`). */
export function plainCommand(name: string, summary: string, a: Action): Command {
  return {
    name,
    summary,
    route: () => ({ action: a, label: name, elsewhere: () => null }),
    routes() {
      return [this.route([])];
    },
    help: () => [`rnn ${name} — ${summary}`, '', ...actionBlock(a)].join('\n'),
  };
}
