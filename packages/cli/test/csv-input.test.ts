import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '@rnn/core';
import { numericColumn, parseCsv, parseDelimiter } from '../src/workflows/timeseries/csv.js';
import { columnConvention } from '../src/workflows/timeseries/numbers.js';
import { run, tmp } from './helpers.js';

const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const TARGET = 'passengers_thousands';

describe('CSV separators', () => {
  it('detects semicolon- and tab-separated files from the header, and says so', () => {
    const semi = parseCsv('month;a;b\n2000-01;1;2\n2000-02;3;4\n', 'f.csv');
    expect([semi.delimiter, semi.header, semi.rows]).toEqual([';', ['month', 'a', 'b'], [['2000-01', '1', '2'], ['2000-02', '3', '4']]]);
    expect(semi.delimiterWhy).toBe('detected: the header splits into 3 fields on it');
    const tab = parseCsv('month\ta\n2000-01\t1\n', 'f.tsv');
    expect([tab.delimiter, tab.header, tab.rows]).toEqual(['\t', ['month', 'a'], [['2000-01', '1']]]);
    // a comma file stays a comma file, also with a quoted separator of another kind inside
    expect(parseCsv('a,b\n"x;y",1\n', 'f.csv').delimiter).toBe(',');
    // one column: no separator splits the header
    const one = parseCsv('value\n1\n2\n', 'f.csv');
    expect([one.delimiter, one.header]).toEqual([',', ['value']]);
  });

  it('prefers the separator every row agrees with', () => {
    // the header splits on ',' into 2, but the rows only agree on ';' (decimal commas)
    const t = parseCsv('date;value,unit\n2000;1,5\n2001;2,5\n', 'f.csv');
    expect(t.delimiter).toBe(',');
    const u = parseCsv('date;value\n2000;1,5\n2001;2,5\n', 'f.csv');
    expect(u.delimiter).toBe(';');
    expect(u.rows).toEqual([['2000', '1,5'], ['2001', '2,5']]);
  });

  it('--delimiter forces one, by name or as a character', () => {
    expect(parseCsv('a;b,c\n1;2,3\n', 'f.csv', { delimiter: 'semicolon' }).header).toEqual(['a', 'b,c']);
    expect(parseCsv('a|b\n1|2\n', 'f.csv', { delimiter: '|' }).rows).toEqual([['1', '2']]);
    expect(parseDelimiter('tab')).toBe('\t');
    expect(parseDelimiter('\\t')).toBe('\t');
    expect(() => parseDelimiter(';;')).toThrow("--delimiter expects one character or comma, semicolon, tab, pipe, found ';;'");
  });

  it('a row with the wrong field count names the line, the column and the separator assumed', () => {
    expect(() => parseCsv('a;b;c\n1;2;3\n4;5\n', 'f.csv')).toThrow(
      "f.csv: line 3 has 2 fields, expected 3 like the header (a;b;c): column 3 ('c') is missing; " +
        'read as semicolon-separated (detected: the header splits into 3 fields on it, though not every row does); ' +
        'if the file uses another separator, pass --delimiter comma|semicolon|tab',
    );
    expect(() => parseCsv('a,b\n1,2,3\n', 'f.csv', { delimiter: ',' })).toThrow(
      'f.csv: line 2 has 3 fields, expected 2 like the header (a,b): column 3 has no header; read as comma-separated (from --delimiter)',
    );
  });

  it('a quote left open names the line and column where its record starts, and the separator', () => {
    expect(() => parseCsv('a,b\n1,2\n\n3,"open\n5,6\n', 'f.csv')).toThrow(
      'f.csv: line 4, column 2: a quoted field is never closed (the file ends inside the quotes); read as comma-separated (detected: the header splits into 2 fields on it)',
    );
  });

  it('keeps line numbers right after a quoted field that spans lines (CRLF too)', () => {
    const t = parseCsv('a,b\r\n1,"x\r\ny"\r\n\r\n2,3\r\n', 'f.csv');
    expect(t.rows).toEqual([['1', 'x\r\ny'], ['2', '3']]);
    expect(t.lines).toEqual([2, 5]);
  });
});

describe('numbers with commas', () => {
  it('reads quoted thousands in a comma-separated file, with a note that says so', () => {
    const t = parseCsv('m,v\n1,"100,000"\n2,999.5\n3,"1,234,567.25"\n', 'f.csv');
    const notes: string[] = [];
    expect(Array.from(numericColumn(t, 1, 'ffill', notes))).toEqual([100000, 999.5, 1234567.25]);
    expect(notes).toEqual(["column 'v': read 2 cells with ',' as a thousands separator (line 2: '100,000' as 100000)"]);
  });

  it('reads decimal commas in a semicolon-separated file, with a note that says so', () => {
    const t = parseCsv('m;v\n1;12,5\n2;13\n3;1.234,75\n', 'f.csv');
    const notes: string[] = [];
    expect(Array.from(numericColumn(t, 1, 'ffill', notes))).toEqual([12.5, 13, 1234.75]);
    expect(notes).toEqual(["column 'v': read 2 cells with ',' as the decimal mark (line 2: '12,5' as 12.5)"]);
  });

  it('decides an ambiguous 1,234 once per column: by a point elsewhere, else by the separator', () => {
    expect(columnConvention(['1,234', '5'], ',')).toBe('thousands');
    expect(columnConvention(['1,234', '5'], ';')).toBe('decimal comma');
    expect(columnConvention(['1,234', '5.5'], ';')).toBe('thousands');
    expect(columnConvention(['1,5', '2,25'], ',')).toBe('decimal comma');
    expect(columnConvention(['1.5', 'abc'], ',')).toBe('plain');
  });

  it('refuses a cell that breaks the column convention, showing the convention', () => {
    const t = parseCsv('m;v\n1;12,5\n2;13.25\n', 'f.csv');
    expect(() => numericColumn(t, 1, 'ffill', [])).toThrow(
      "f.csv: line 3, column 'v': '13.25' is not a number; the column reads ',' as the decimal mark (line 2: '12,5' as 12.5), which this cell does not fit: write the column one way",
    );
  });

  it('a cell that holds another separator points at --delimiter', () => {
    const t = parseCsv('m,v\n1,2\n2,"3;4"\n', 'f.csv');
    expect(() => numericColumn(t, 1, 'ffill', [])).toThrow(
      "f.csv: line 3, column 'v': '3;4' is not a number; the file was read as comma-separated (detected: the header splits into 2 fields on it), but this cell holds a semicolon: pass --delimiter semicolon if that is the separator",
    );
  });
});

describe('rnn train --csv on semicolon and tab files', () => {
  const rows = readFileSync(AIR, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

  async function scalerOf(csv: string, extra: string[] = []) {
    const dir = tmp();
    const f = join(dir, 'in.csv');
    writeFileSync(f, csv);
    const out = join(dir, 'm.safetensors');
    const r = await run(['train', '--csv', f, '--target', TARGET, '--epochs', '1', '--hidden', '4', '--out', out, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readModelFile(new Uint8Array(readFileSync(out)), out).metadata['rnn.timeseries']!);
    return { stderr: r.stderr, scaler: meta.scaler, split: meta.split, date: meta.date, f };
  }

  it('reads the same numbers as the comma file: decimal commas, quoted thousands, tabs', async () => {
    const base = await scalerOf(readFileSync(AIR, 'utf8'));
    // passengers, not thousands: "112,000" in quotes
    const thousands = await scalerOf(
      [`month,${TARGET}`, ...rows.map(([m, v]) => `${m},"${v},000"`)].join('\n'),
    );
    const semi = await scalerOf([`month;${TARGET}`, ...rows.map(([m, v]) => `${m};${v},0`)].join('\n'));
    const tab = await scalerOf([`month\t${TARGET}`, ...rows.map(([m, v]) => `${m}\t${v}`)].join('\r\n'));
    expect(semi.scaler).toEqual(base.scaler);
    expect(tab.scaler).toEqual(base.scaler);
    expect(thousands.scaler.mean[0]).toBeCloseTo(base.scaler.mean[0] * 1000, 6);
    for (const x of [thousands, semi, tab]) expect([x.split, x.date]).toEqual([base.split, 'month']);
    expect(semi.stderr).toContain(`rnn: note: read ${semi.f} as semicolon-separated (detected: the header splits into 2 fields on it)\n`);
    expect(semi.stderr).toContain(`rnn: note: column '${TARGET}': read 144 cells with ',' as the decimal mark (line 2: '112,0' as 112)\n`);
    expect(tab.stderr).toContain(`rnn: note: read ${tab.f} as tab-separated`);
    expect(thousands.stderr).toContain(`rnn: note: column '${TARGET}': read 144 cells with ',' as a thousands separator (line 2: '112,000' as 112000)\n`);
  });

  it('--delimiter forces the separator; a wrong one fails naming it', async () => {
    const dir = tmp();
    const f = join(dir, 'in.csv');
    writeFileSync(f, [`month;${TARGET}`, ...rows.map(([m, v]) => `${m};${v}`)].join('\n'));
    const r = await run(['train', '--csv', f, '--target', TARGET, '--delimiter', 'tab', '--out', join(dir, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `rnn: --target '${TARGET}' is not a column of ${f}; its columns are: month;${TARGET}; ` +
        `the header was read as one column (tab-separated, from --delimiter), but it holds a semicolon: pass --delimiter semicolon\n`,
    );
    const ok = await scalerOf(readFileSync(f, 'utf8'), ['--delimiter', ';']);
    expect(ok.stderr).toContain('as semicolon-separated (from --delimiter)');
  });
});
