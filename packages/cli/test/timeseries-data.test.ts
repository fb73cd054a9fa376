import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnIndex, filterRows, numericColumn, parseCsv } from '../src/workflows/timeseries/csv.js';
import { inferFrequency, nextDates, parseDate } from '@rnn/timeseries';
import { loadSeries } from '../src/workflows/timeseries/series.js';
import { tmp } from './helpers.js';

describe('CSV reading', () => {
  it('reads quoted fields, CRLF, a BOM and blank lines, and records line numbers', () => {
    const t = parseCsv('\ufeffa,"b,c",d\r\n1,"x ""y""",3\r\n\r\n4,5,6\r\n', 'f.csv');
    expect(t.header).toEqual(['a', 'b,c', 'd']);
    expect(t.rows).toEqual([['1', 'x "y"', '3'], ['4', '5', '6']]);
    expect(t.lines).toEqual([2, 4]);
  });

  it('refuses a row with the wrong number of fields, naming the line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(/f\.csv: line 3 has 1 fields, expected 2/);
  });

  it('names a missing column, lists the columns there are and suggests the closest', () => {
    const t = parseCsv('month,passengers\n1949-01,112\n', '--csv air.csv');
    expect(() => columnIndex(t, 'pasengers', '--target')).toThrow("--target 'pasengers' is not a column of air.csv; its columns are: month, passengers (did you mean 'passengers'?)");
  });

  it('refuses a non-numeric cell, naming the line and the column', () => {
    const t = parseCsv('m,v\n1,1.5\n2,abc\n', 'f.csv');
    expect(() => numericColumn(t, 1, 'ffill', [])).toThrow("f.csv: line 3, column 'v': 'abc' is not a number");
  });

  it('forward-fills missing cells with a note, or refuses them with --missing error', () => {
    const t = parseCsv('m,v\n1,1\n2,\n3,NA\n4,7\n', 'f.csv');
    const notes: string[] = [];
    expect(Array.from(numericColumn(t, 1, 'ffill', notes))).toEqual([1, 1, 1, 7]);
    expect(notes).toEqual(["column 'v': 2 missing values forward-filled (first on line 3)"]);
    expect(() => numericColumn(t, 1, 'error', [])).toThrow(/line 3, column 'v' is missing \(an empty cell\).*--missing ffill/);
    const lead = parseCsv('m,v\n1,NA\n2,3\n', 'f.csv');
    expect(() => numericColumn(lead, 1, 'ffill', [])).toThrow(/line 2, column 'v' is missing \('NA'\) in the first row/);
  });

  it('--where keeps one series of a long-format file, and lists the values when none match', () => {
    const t = parseCsv('symbol,date,price\nA,Jan 1 2000,1\nB,Jan 1 2000,2\nA,Feb 1 2000,3\n', 'f.csv');
    const a = filterRows(t, 'symbol=A');
    expect(a.rows.map((r) => r[2])).toEqual(['1', '3']);
    expect(a.lines).toEqual([2, 4]);
    expect(() => filterRows(t, 'symbol=C')).toThrow(/no row of f\.csv has symbol = 'C'; its values are: A, B/);
    expect(() => filterRows(t, 'symbol')).toThrow(/--where expects COL=VALUE/);
  });
});

describe('dates', () => {
  it('parses the styles the bundled data use', () => {
    expect(parseDate('1949-03')).toBe(Date.UTC(1949, 2, 1));
    expect(parseDate('1960-Q2')).toBe(Date.UTC(1960, 3, 1));
    expect(parseDate('1871')).toBe(Date.UTC(1871, 0, 1));
    expect(parseDate('Jan 1 2000')).toBe(Date.UTC(2000, 0, 1));
    expect(parseDate('2010-01-01T01:00:00')).toBe(Date.UTC(2010, 0, 1, 1));
    expect(parseDate('42')).toBeNaN();
  });

  it('infers the sampling interval and writes the next dates in the same style', () => {
    const months = ['1960-10', '1960-11', '1960-12'].map(parseDate);
    expect(inferFrequency(months)).toBe('month');
    expect(inferFrequency(['2000-01-01', '2000-01-02', '2000-01-03'].map(parseDate))).toBe('day');
    expect(nextDates('1960-11', 'month', 3)).toEqual(['1960-12', '1961-01', '1961-02']);
    expect(nextDates('1980-Q4', 'quarter', 2)).toEqual(['1981-Q1', '1981-Q2']);
    expect(nextDates('2010-03-01', 'month', 1)).toEqual(['2010-04-01']);
  });
});

describe('loadSeries', () => {
  it('detects the date column, puts the target first and infers monthly data', () => {
    const dir = tmp();
    const f = join(dir, 's.csv');
    writeFileSync(f, 'month,x,y\n2000-01,1,10\n2000-02,2,20\n2000-03,3,30\n');
    const s = loadSeries(f, { target: 'y', features: ['x'], missing: 'ffill' });
    expect(s.columns).toEqual(['y', 'x']);
    expect(Array.from(s.values[0]!)).toEqual([10, 20, 30]);
    expect(s.date).toBe('month');
    expect(s.frequency).toBe('month');
  });

  it('refuses rows out of time order, and points at --where when dates repeat', () => {
    const dir = tmp();
    const f = join(dir, 's.csv');
    writeFileSync(f, 'symbol,date,price\nA,Jan 1 2000,1\nA,Feb 1 2000,2\nB,Jan 1 2000,3\nB,Feb 1 2000,4\n');
    expect(() => loadSeries(f, { target: 'price', missing: 'ffill' })).toThrow(/line 4 has date 'Jan 1 2000', earlier than line 3/);
    writeFileSync(f, 'symbol,date,price\nA,Jan 1 2000,1\nB,Jan 1 2000,3\n');
    expect(() => loadSeries(f, { target: 'price', missing: 'ffill' })).toThrow(/the same as line 2.*--where COL=VALUE/);
    expect(loadSeries(f, { target: 'price', where: 'symbol=B', missing: 'ffill' }).length).toBe(1);
  });
});
