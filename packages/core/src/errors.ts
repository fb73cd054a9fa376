/**
 * Every error rnn throws is an `RnnError` with a stable `code`, so callers (and the CLI) can
 * branch on the kind of failure without parsing text. Messages say what failed, what was
 * expected, what was found, and — where there is one — what to do next.
 */
export class RnnError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A tensor had the wrong shape or rank for an op. */
export class ShapeError extends RnnError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** A tensor had the wrong dtype for an op. */
export class DTypeError extends RnnError {
  constructor(message: string) {
    super('E_DTYPE', message);
  }
}

/** A backend could not be found, loaded or used. */
export class BackendError extends RnnError {
  constructor(message: string) {
    super('E_BACKEND', message);
  }
}

/** A file (safetensors, npy, JSON, CSV, trees) is malformed or does not match what was expected. */
export class FormatError extends RnnError {
  constructor(message: string) {
    super('E_FORMAT', message);
  }
}

/** A configuration (model config, CLI config file, layer options) is invalid. */
export class ConfigError extends RnnError {
  constructor(message: string) {
    super('E_CONFIG', message);
  }
}

/** A value is out of range or not finite (NaN / Infinity where numbers were required). */
export class ValueError extends RnnError {
  constructor(message: string) {
    super('E_VALUE', message);
  }
}

/** Training diverged: a loss, gradient or parameter became NaN or infinite. */
export class NumericalError extends RnnError {
  constructor(message: string) {
    super('E_NUMERICAL', message);
  }
}
