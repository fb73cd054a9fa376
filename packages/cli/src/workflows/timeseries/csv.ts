import { readFileSync } from 'node:fs';
import { FormatError, ValueError } from '@rnn/core';
import { suggest } from '../../flags.js';

/** A parsed CSV file: the header, the data rows as strings, and each row's line number in the file. */
export interface CsvTable {
  source: string;
  header: string[];
  rows: string[][];
  /** 1-based line number of each data row (the header is line 1), for error messages. */
  lines: number[];
}

/**
 * RFC 4180 CSV: comma separated, optional double-quoted fields ("" is a quote), LF or CRLF line
 * endings, an optional UTF-8 BOM, blank lines skipped. Every row must have the header's column count.
 */
export function parseCsv(text: string, source: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: startLine });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      startLine = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new FormatError(`${source}: a quoted field that starts on line ${startLine} is never closed`);
  endRecord();
  if (records.length === 0) throw new FormatError(`${source}: the file is empty; expected a header line and data rows`);
  const header = records[0]!.fields.map((h) => h.trim());
  const seen = new Map<string, number>();
  header.forEach((h, k) => {
    if (seen.has(h)) throw new FormatError(`${source}: column '${h}' appears twice in the header (columns ${seen.get(h)! + 1} and ${k + 1})`);
    seen.set(h, k);
  });
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length !== header.length) {
      throw new FormatError(`${source}: line ${r.line} has ${r.fields.length} fields, expected ${header.length} like the header (${header.join(',')})`);
    }
    rows.push(r.fields);
    lines.push(r.line);
  }
  if (rows.length === 0) throw new FormatError(`${source}: the file has a header but no data rows`);
  return { source, header, rows, lines };
}

export function readCsvFile(path: string, what = '--csv'): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a CSV file' : (err as Error).message}`);
  }
  return parseCsv(text, `${what} ${path}`);
}

/** The index of a column, or an error that names it, lists the columns there are and suggests the closest. */
export function columnIndex(t: CsvTable, name: string, flag: string): number {
  const k = t.header.indexOf(name);
  if (k >= 0) return k;
  const s = suggest(name, t.header) ?? t.header.find((h) => h.toLowerCase() === name.toLowerCase());
  throw new FormatError(
    `${flag} '${name}' is not a column of ${t.source.replace(/^--csv /, '')}; its columns are: ${t.header.join(', ')}${s ? ` (did you mean '${s}'?)` : ''}`,
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
 * nothing to fill from and is always refused. Anything else that is not a number is refused,
 * naming the line and the column.
 */
export function numericColumn(t: CsvTable, col: number, missing: MissingPolicy, notes: string[]): Float64Array {
  const out = new Float64Array(t.rows.length);
  const name = t.header[col]!;
  let filled = 0;
  let firstFilled = 0;
  for (let i = 0; i < t.rows.length; i++) {
    const cell = t.rows[i]![col]!.trim();
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
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      throw new ValueError(`${t.source}: line ${t.lines[i]}, column '${name}': '${cell}' is not a number`);
    }
    out[i] = v;
  }
  if (filled) notes.push(`column '${name}': ${filled} missing value${filled === 1 ? '' : 's'} forward-filled (first on line ${firstFilled})`);
  return out;
}
