// The resolve hook js-dist-hook.mjs registers: @rnn/backend-js -> the build it was given.
let target;
export function initialize(data) {
  target = data.url;
}
export function resolve(specifier, context, next) {
  if (specifier === '@rnn/backend-js') return { url: target, shortCircuit: true };
  return next(specifier, context);
}
