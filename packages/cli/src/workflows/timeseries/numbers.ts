/**
 * Numbers as spreadsheets write them. Cells that `Number()` reads are taken as they are; when a
 * column also holds cells with a comma, one convention is chosen for the whole column (never cell
 * by cell, so '1,234' cannot mean 1234 on one line and 1.234 on the next) and the caller reports it:
 *
 * - thousands: `100,000`, `1,234,567.8`: comma groups, point decimal (a quoted "100,000" in a
 *   comma-separated file, as English-locale spreadsheets export it);
 * - decimal comma: `12,5`, `1.234,5`: comma decimal, point groups (semicolon- and tab-separated
 *   exports from most European locales).
 *
 * When every comma cell fits both ('1,234'), a point in any other cell of the column settles it
 * (thousands); otherwise the file's separator does: thousands in a comma-separated file, where
 * such a cell had to be quoted on purpose, a decimal comma in a semicolon- or tab-separated one.
 */
export type Convention = 'plain' | 'thousands' | 'decimal comma';

const THOUSANDS = /^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/;
const DECIMAL_COMMA = /^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$/;

const plain = (s: string) => Number.isFinite(Number(s));

/** The convention for a column's present (non-missing, trimmed) cells in a file separated by `delimiter`. */
export function columnConvention(cells: readonly string[], delimiter: string): Convention {
  const odd = cells.filter((c) => !plain(c));
  if (!odd.some((c) => c.includes(','))) return 'plain';
  const t = odd.every((c) => THOUSANDS.test(c));
  const d = odd.every((c) => DECIMAL_COMMA.test(c));
  if (t && d) return cells.some((c) => plain(c) && c.includes('.')) || delimiter === ',' ? 'thousands' : 'decimal comma';
  if (t) return 'thousands';
  if (d) return 'decimal comma';
  // neither fits every cell: take the one most cells fit, so the error names a cell that breaks it
  return odd.filter((c) => THOUSANDS.test(c)).length >= odd.filter((c) => DECIMAL_COMMA.test(c)).length ? 'thousands' : 'decimal comma';
}

/** A cell read with the column's convention; NaN when it does not fit it. */
export function readNumber(cell: string, convention: Convention): number {
  switch (convention) {
    case 'plain':
      return plain(cell) ? Number(cell) : NaN;
    case 'thousands':
      if (plain(cell)) return Number(cell);
      return THOUSANDS.test(cell) ? Number(cell.replace(/,/g, '')) : NaN;
    case 'decimal comma':
      // a point is a group separator here, so a cell like '12.5' is ambiguous: refused
      if (plain(cell)) return cell.includes('.') ? NaN : Number(cell);
      return DECIMAL_COMMA.test(cell) ? Number(cell.replace(/\./g, '').replace(',', '.')) : NaN;
  }
}

/** What the convention takes a comma for, for notes and errors. */
export function conventionText(convention: Exclude<Convention, 'plain'>): string {
  return convention === 'thousands' ? "',' as a thousands separator" : "',' as the decimal mark";
}
