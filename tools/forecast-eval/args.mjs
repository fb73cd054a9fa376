// The flags the forecast-eval tools share: --seeds and --options (Forecaster.fit options as JSON).
// `args` is a toolArgs result (tools/lib/args.mjs): its fail() prints one line and exits 2.

/** --seeds 0,1,2 → [0, 1, 2]; anything but integers is refused by name. */
export function seedList(args) {
  const seeds = args.values.seeds.split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s))) args.fail(`--seeds takes integers separated by commas, found '${args.values.seeds}'`);
  return seeds;
}

/** --options '{"members":1}' → the object; text that is not JSON is refused by name. */
export function fitOptions(args) {
  try {
    return JSON.parse(args.values.options ?? '{}');
  } catch (e) {
    return args.fail(`--options takes a JSON object of Forecaster.fit options, e.g. '{"members":1,"warmup":0}': ${e.message}`);
  }
}
