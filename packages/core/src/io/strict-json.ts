import { FormatError } from '../errors.js';

/** A JSON value as `parseStrictJson` returns it (objects are plain objects, keys in file order). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Deepest nesting `parseStrictJson` accepts by default; far below what could exhaust the stack. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Parses JSON text strictly, for headers that come from untrusted files.
 *
 * Unlike `JSON.parse` it refuses duplicate keys (which `JSON.parse` resolves silently by keeping
 * the last, so two readers could disagree about what a file holds) and nesting deeper than
 * `maxDepth` (so hostile input cannot overflow the stack). Otherwise it accepts exactly RFC 8259
 * JSON. A key `"__proto__"` becomes an ordinary own property, as with `JSON.parse`.
 *
 * @param what names the text in error messages, e.g. `safetensors header`.
 * @throws FormatError naming `source`, `what`, the character offset, and what was expected.
 */
export function parseStrictJson(
  text: string,
  source: string,
  what = 'JSON',
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): JsonValue {
  const p = new Parser(text, source, what, maxDepth);
  p.skipWs();
  const value = p.value(0);
  p.skipWs();
  if (p.pos < text.length) p.fail('end of input');
  return value;
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly source: string,
    private readonly what: string,
    private readonly maxDepth: number,
  ) {}

  fail(expected: string, at = this.pos): never {
    const found =
      at >= this.text.length ? 'end of input' : JSON.stringify(this.text.slice(at, at + 12));
    throw new FormatError(
      `${this.source}: ${this.what} is not valid JSON at character ${at}: expected ${expected}, found ${found}`,
    );
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(depth: number): JsonValue {
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) {
        throw new FormatError(
          `${this.source}: ${this.what} nests deeper than ${this.maxDepth} levels at character ${this.pos}; refusing it`,
        );
      }
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail('a JSON value');
  }

  object(depth: number): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    const seen = new Set<string>();
    if (this.empty('}')) return out;
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('a string key');
      const keyAt = this.pos;
      const key = this.string();
      if (seen.has(key)) {
        throw new FormatError(
          `${this.source}: ${this.what} has the key ${JSON.stringify(key)} twice in one object (at character ${keyAt}); each key must be unique`,
        );
      }
      seen.add(key);
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail("':'");
      this.pos++;
      this.skipWs();
      // defineProperty so that "__proto__" is stored as data, never as the prototype.
      Object.defineProperty(out, key, {
        value: this.value(depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (!this.another('}')) return out;
    }
  }

  /** Past the opening '{' or '[': true, and past `close` too, when nothing stands between them. */
  private empty(close: '}' | ']'): boolean {
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] !== close) return false;
    this.pos++;
    return true;
  }

  /** After an element: true past a ',' (another follows), false past `close` (the end). */
  private another(close: '}' | ']'): boolean {
    this.skipWs();
    const c = this.text[this.pos];
    if (c === ',' || c === close) {
      this.pos++;
      return c === ',';
    }
    this.fail(`',' or '${close}'`);
  }

  array(depth: number): JsonValue {
    const out: JsonValue[] = [];
    if (this.empty(']')) return out;
    for (;;) {
      this.skipWs();
      out.push(this.value(depth));
      if (!this.another(']')) return out;
    }
  }

  number(): number {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (m === null) return this.fail('a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('a closing \'"\'');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('no raw control characters in a string (escape them)');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(runStart, this.pos);
      const e = t[this.pos + 1];
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('four hex digits after \\u', this.pos + 2);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        this.pos += 2;
      } else {
        this.fail('a valid escape sequence', this.pos);
      }
      runStart = this.pos;
    }
  }
}

/**
 * Checks that `[`/`{` nesting in JSON text stays within `maxDepth`, skipping string contents,
 * so that a later `JSON.parse` (used where duplicate keys cannot occur) cannot overflow the stack.
 * Returns the character offset of the first bracket past the limit, or -1 when within it.
 */
export function findJsonDepthExcess(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

/** A short, printable description of a value found where something else was expected. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (Array.isArray(v)) {
    const s = safeStringify(v);
    return `an array ${s}`;
  }
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object ${safeStringify(v)}`;
  if (typeof v === 'string') return `the string ${truncate(JSON.stringify(v))}`;
  if (typeof v === 'bigint') return `${v.toString()}n`;
  return String(v);
}

function safeStringify(v: unknown): string {
  try {
    return truncate(JSON.stringify(v) ?? String(v));
  } catch {
    return '(unprintable)';
  }
}

function truncate(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
