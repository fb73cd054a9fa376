import { readFileSync } from 'node:fs';
import { FormatError, ValueError } from '@rnn/core';
import { parse, type CsvError } from 'csv-parse/sync';
import { suggest } from '../../flags.js';
import { columnConvention, conventionText, readNumber, type Convention } from './numbers.js';

/** The field separators `--delimiter` accepts by name, and those detection tries (in this order of preference). */
const NAMED: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' };
const DETECTED = [',', ';', '\t'] as const;

/** How to say a separator in a message: `comma`, `semicolon`, `tab`, or the character quoted. */
export function separatorName(d: string): string {
  return Object.keys(NAMED).find((k) => NAMED[k] === d) ?? `'${d}'`;
}

/** A parsed CSV file: the header, the data rows as strings, and each row's line number in the file. */
export interface CsvTable {
  source: string;
  header: string[];
  rows: string[][];
  /** 1-based line number of each data row (the header is line 1), for error messages. */
  lines: number[];
  /** The field separator the file was read with. */
  delimiter: string;
  /** Why that separator: e.g. `detected: the header splits into 3 fields on it`, `--delimiter`. */
  delimiterWhy: string;
}

export interface CsvOptions {
  /** Force the field separator (a character, or comma/semicolon/tab/pipe); default: detected. */
  delimiter?: string;
}

/** `--delimiter` as a single character, or an error that lists what it accepts. */
export function parseDelimiter(value: string): string {
  const v = value === '\\t' ? '\t' : (NAMED[value.toLowerCase()] ?? value);
  if (v.length !== 1 || v === '"' || v === '\n' || v === '\r') {
    throw new ValueError(`--delimiter expects one character or comma, semicolon, tab, pipe, found '${value}'`);
  }
  return v;
}

/** Line breaks in a field (only quoted fields hold them); CRLF counts once. */
function breaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (s.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

interface Records {
  fields: string[][];
  /** The line each record starts on. */
  lines: number[];
}

/**
 * Records separated by `delimiter`, by csv-parse: optional double-quoted fields ("" is a quote),
 * LF, CRLF or CR line endings, blank lines skipped, a stray quote inside an unquoted field kept as
 * text. Line numbers are counted here from the fields' own line breaks, so a quoted field that
 * spans lines keeps the next rows' numbers right. `toLine` stops early, and returns the rows read
 * before a fault instead of throwing (for detection).
 */
function records(text: string, delimiter: string, toLine?: number): Records {
  const fields: string[][] = [];
  const lines: number[] = [];
  let next = 1;
  try {
    parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      ...(toLine ? { to_line: toLine } : {}),
      on_record: (rec: string[]) => {
        const at = next;
        next += 1;
        for (const f of rec) next += breaks(f);
        if (!(rec.length === 1 && rec[0] === '')) {
          fields.push(rec);
          lines.push(at);
        }
        return null; // kept above, so csv-parse need not build its own array
      },
    });
  } catch (err) {
    if (toLine) return { fields, lines }; // detection: the rows before the fault are enough
    const e = err as CsvError;
    const column = typeof e.column === 'number' ? `, column ${e.column + 1}` : '';
    const what = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed (the file ends inside the quotes)' : `${e.message} (${e.code})`;
    throw new FormatError(`line ${next}${column}: ${what}`);
  }
  return { fields, lines };
}

/**
 * The separator of a file whose caller did not name one: of comma, semicolon and tab, the one
 * that splits the header into the most fields with every one of the first rows splitting into as
 * many; comma when none splits the header (a one-column file).
 */
function detectDelimiter(text: string): { delimiter: string; why: string } {
  let best: { delimiter: string; n: number; consistent: boolean } | undefined;
  for (const d of DETECTED) {
    const r = records(text, d, 50);
    const n = r.fields[0]?.length ?? 0;
    const consistent = r.fields.every((f) => f.length === n);
    if (n > 1 && (!best || (consistent && !best.consistent) || (consistent === best.consistent && n > best.n))) best = { delimiter: d, n, consistent };
  }
  if (!best) return { delimiter: ',', why: 'the default: no comma, semicolon or tab splits the header' };
  return { delimiter: best.delimiter, why: `detected: the header splits into ${best.n} fields on it${best.consistent ? '' : ', though not every row does'}` };
}

/**
 * A CSV file: the separator forced by `delimiter` or detected (comma, semicolon or tab), optional
 * double-quoted fields, an optional UTF-8 BOM, blank lines skipped. Every row must have the
 * header's column count. Errors name the line, the column and the separator assumed.
 */
export function parseCsv(text: string, source: string, options: CsvOptions = {}): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const { delimiter, why } = options.delimiter !== undefined ? { delimiter: parseDelimiter(options.delimiter), why: 'from --delimiter' } : detectDelimiter(text);
  const assumed = `read as ${separatorName(delimiter)}-separated (${why})`;
  const hint = options.delimiter === undefined ? '; if the file uses another separator, pass --delimiter comma|semicolon|tab' : '';
  let r: Records;
  try {
    r = records(text, delimiter);
  } catch (err) {
    throw new FormatError(`${source}: ${(err as Error).message}; ${assumed}`);
  }
  if (r.fields.length === 0) throw new FormatError(`${source}: the file is empty; expected a header line and data rows`);
  const header = r.fields[0]!.map((h) => h.trim());
  const seen = new Map<string, number>();
  header.forEach((h, k) => {
    if (seen.has(h)) throw new FormatError(`${source}: column '${h}' appears twice in the header (columns ${seen.get(h)! + 1} and ${k + 1}); ${assumed}`);
    seen.set(h, k);
  });
  const sep = delimiter === '\t' ? '\\t' : delimiter;
  for (let i = 1; i < r.fields.length; i++) {
    const f = r.fields[i]!;
    if (f.length !== header.length) {
      const col = f.length < header.length ? `column ${f.length + 1} ('${header[f.length]}') is missing` : `column ${header.length + 1} has no header`;
      throw new FormatError(
        `${source}: line ${r.lines[i]} has ${f.length} fields, expected ${header.length} like the header (${header.join(sep)}): ${col}; ${assumed}${hint}`,
      );
    }
  }
  if (r.fields.length === 1) throw new FormatError(`${source}: the file has a header but no data rows`);
  return { source, header, rows: r.fields.slice(1), lines: r.lines.slice(1), delimiter, delimiterWhy: why };
}

export function readCsvFile(path: string, what = '--csv', options: CsvOptions = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a CSV file' : (err as Error).message}`);
  }
  return parseCsv(text, `${what} ${path}`, options);
}

/** The index of a column, or an error that names it, lists the columns there are and suggests the closest. */
export function columnIndex(t: CsvTable, name: string, flag: string): number {
  const k = t.header.indexOf(name);
  if (k >= 0) return k;
  const s = suggest(name, t.header) ?? t.header.find((h) => h.toLowerCase() === name.toLowerCase());
  const other = t.header.length === 1 ? DETECTED.find((d) => d !== t.delimiter && t.header[0]!.includes(d)) : undefined;
  const hint = other
    ? `; the header was read as one column (${separatorName(t.delimiter)}-separated, ${t.delimiterWhy}), but it holds a ${separatorName(other)}: pass --delimiter ${separatorName(other)}`
    : '';
  throw new FormatError(
    `${flag} '${name}' is not a column of ${t.source.replace(/^--csv /, '')}; its columns are: ${t.header.join(', ')}${s && !other ? ` (did you mean '${s}'?)` : ''}${hint}`,
  );
}

/** Keep the rows whose column `COL` equals `VALUE` (`--where COL=VALUE`), for files that hold several series. */
export function filterRows(t: CsvTable, where: string): CsvTable {
  const eq = where.indexOf('=');
  if (eq <= 0) throw new ValueError(`--where expects COL=VALUE (e.g. symbol=AAPL), found '${where}'`);
  const col = columnIndex(t, where.slice(0, eq).trim(), '--where column');
  const value = where.slice(eq + 1).trim();
  const keep = t.rows.map((r, i) => (r[col]!.trim() === value ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) {
    const values = [...new Set(t.rows.map((r) => r[col]!.trim()))];
    throw new ValueError(
      `--where ${where}: no row of ${t.source.replace(/^--csv /, '')} has ${t.header[col]} = '${value}'; ` +
        `its values are: ${values.slice(0, 12).join(', ')}${values.length > 12 ? `, … (${values.length} in all)` : ''}`,
    );
  }
  return { ...t, rows: keep.map((i) => t.rows[i]!), lines: keep.map((i) => t.lines[i]!) };
}

const MISSING = new Set(['', 'na', 'nan', 'n/a', 'null', 'none', '?', '-']);

export type MissingPolicy = 'ffill' | 'error';

/**
 * The numeric values of one column. Missing cells (empty, NA, NaN, null) are forward-filled from
 * the row above (`ffill`, reported in `notes`) or refused (`error`); a leading missing cell has
 * nothing to fill from and is always refused. Cells with a comma are read with one convention for
 * the column (thousands separator or decimal mark, see numbers.ts), reported in `notes`. Anything
 * else that is not a number is refused, naming the line and the column.
 */
export function numericColumn(t: CsvTable, col: number, missing: MissingPolicy, notes: string[]): Float64Array {
  const out = new Float64Array(t.rows.length);
  const name = t.header[col]!;
  const cells = t.rows.map((r) => r[col]!.trim());
  const convention = columnConvention(
    cells.filter((c) => !MISSING.has(c.toLowerCase())),
    t.delimiter,
  );
  let filled = 0;
  let firstFilled = 0;
  let converted = 0;
  const at = convention === 'plain' ? -1 : cells.findIndex((c) => c.includes(',') && Number.isFinite(readNumber(c, convention)));
  const example = at >= 0 ? `line ${t.lines[at]}: '${cells[at]}' as ${readNumber(cells[at]!, convention)}` : '';
  for (let i = 0; i < t.rows.length; i++) {
    const cell = cells[i]!;
    if (MISSING.has(cell.toLowerCase())) {
      const shown = cell === '' ? 'an empty cell' : `'${cell}'`;
      if (missing === 'error') {
        throw new ValueError(
          `${t.source}: line ${t.lines[i]}, column '${name}' is missing (${shown}); fill it in, or pass --missing ffill to carry the previous value forward`,
        );
      }
      if (i === 0) {
        throw new ValueError(
          `${t.source}: line ${t.lines[i]}, column '${name}' is missing (${shown}) in the first row, so there is no earlier value to carry forward; drop the leading rows or fill it in`,
        );
      }
      if (filled++ === 0) firstFilled = t.lines[i]!;
      out[i] = out[i - 1]!;
      continue;
    }
    const v = readNumber(cell, convention);
    if (!Number.isFinite(v)) throw new ValueError(`${t.source}: line ${t.lines[i]}, column '${name}': '${cell}' is not a number${whyNot(t, cell, convention, example)}`);
    if (convention !== 'plain' && cell.includes(',')) converted++;
    out[i] = v;
  }
  if (filled) notes.push(`column '${name}': ${filled} missing value${filled === 1 ? '' : 's'} forward-filled (first on line ${firstFilled})`);
  if (converted && convention !== 'plain') {
    notes.push(`column '${name}': read ${converted} cell${converted === 1 ? '' : 's'} with ${conventionText(convention)} (${example})`);
  }
  return out;
}

/** The likely reason a cell is not a number, when there is one beyond the cell itself. */
function whyNot(t: CsvTable, cell: string, convention: Convention, example: string): string {
  const other = DETECTED.find((d) => d !== t.delimiter && cell.includes(d));
  if (other) return `; the file was read as ${separatorName(t.delimiter)}-separated (${t.delimiterWhy}), but this cell holds a ${separatorName(other)}: pass --delimiter ${separatorName(other)} if that is the separator`;
  if (convention !== 'plain' && (cell.includes(',') || cell.includes('.'))) {
    return `; the column reads ${conventionText(convention)}${example ? ` (${example})` : ''}, which this cell does not fit: write the column one way`;
  }
  return '';
}
