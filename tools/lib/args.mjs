// The command line of a tools/ script, read one way everywhere: node:util parseArgs, strict (an
// unknown option is refused by name), `--help` prints the script's usage. A usage error prints one
// line and the usage on stderr and exits with status 2.
//
//   const args = toolArgs('node tools/memory/rss.mjs [--steps 10000] [--backend js|native]', {
//     steps: { type: 'string', default: '10000' },
//     backend: { type: 'string' },
//   });
//   const steps = args.number('steps'); // args.values.backend is a string or undefined
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

function fail(message, usage) {
  const script = process.argv[1] ? relative(process.cwd(), process.argv[1]) || process.argv[1] : 'tool';
  process.stderr.write(`${script}: ${message}\nusage: ${usage.trim()}\n`);
  process.exit(2);
}

/**
 * Parse `argv` (default: this process's arguments) against `options`, node:util parseArgs options
 * (`{ name: { type: 'string' | 'boolean', default?, multiple? } }`). Positional arguments are
 * refused unless `positionals` is true. Returns `{ values, positionals, number(name), fail(msg) }`.
 */
export function toolArgs(usage, options, { positionals = false, argv = process.argv.slice(2) } = {}) {
  let r;
  try {
    r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: positionals });
  } catch (e) {
    // node's message for an unknown option goes on about positionals: its first sentence names the option
    if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) fail(e.message.split('. To specify')[0], usage);
    throw e;
  }
  if (r.values.help) {
    process.stdout.write(`usage: ${usage.trim()}\n`);
    process.exit(0);
  }
  delete r.values.help;
  return {
    values: r.values,
    positionals: r.positionals,
    /** The number an option holds (its default included); a usage error naming it if it is not one. */
    number(name) {
      const text = r.values[name];
      const n = Number(text);
      if (typeof text !== 'string' || text.trim() === '' || Number.isNaN(n)) fail(`--${name} expects a number, found '${text}'`, usage);
      return n;
    },
    /** A usage error of the script's own (a value out of range, a missing option). */
    fail: (message) => fail(message, usage),
  };
}
