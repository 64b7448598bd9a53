// `mora forecast` on a CSV whose last rows are NaN or empty: the forecast starts after the last numeric sample, not
// after the file's last row. Said on stderr (not with -q) with how many values were skipped; the CSV output is unchanged.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';
import { rows, T0 } from './helpers/csv-rows';

describe('mora forecast: empty or NaN values at the end of the series', () => {
  it('notes the skipped values and that the forecast starts after the last numeric sample', () => inTempDir(async (dir) => {
    const all = rows(4032);
    const input = join(dir, 'tail.csv');
    // The last 232 rows NaN (19 h 20 min at 5 min), one empty value earlier on.
    const lines = all.map((l, i) => (i >= 4032 - 232 ? `${l.split(',')[0]},NaN` : i === 100 ? `${l.split(',')[0]},` : l));
    writeFileSync(input, ['timestamp,value', ...lines].join('\n') + '\n');
    const lastSample = T0 + (4032 - 233) * 300;

    const r = await mora(['forecast', '-i', input, '-H', '3']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`^mora: note: .*tail\\.csv: 233 empty or NaN values skipped; the last 232 rows have none, so the forecast starts `
      + `after the last numeric sample \\(${new Date(lastSample * 1000).toISOString().replace('.000Z', 'Z')}\\), 19\\.3 hours before the file's last row\n$`));
    // The CSV contract: the same header and rows, timestamps after the last numeric sample.
    const out = r.out.trim().split('\n');
    assert.equal(out[0], 'timestamp,prophet,prophet_lower,prophet_upper');
    assert.deepEqual(out.slice(1).map((l) => Number(l.split(',')[0])), [1, 2, 3].map((k) => lastSample + k * 300));

    const quiet = await mora(['forecast', '-i', input, '-H', '3', '-q']);
    assert.equal(quiet.code, 0, quiet.err);
    assert.equal(quiet.err, '');
    assert.equal(quiet.out, r.out);
  }));

  it('notes values skipped inside the series without the trailing part', () => inTempDir(async (dir) => {
    const input = join(dir, 'gaps.csv');
    writeFileSync(input, ['timestamp,value', ...rows(600).map((l, i) => (i % 100 === 50 ? `${l.split(',')[0]},NaN` : l))].join('\n') + '\n');
    const r = await mora(['forecast', '-i', input, '-H', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /mora: note: .*gaps\.csv: 6 empty or NaN values skipped\n/);
    assert.doesNotMatch(r.err, /last numeric sample/);
  }));

  // +Inf and -Inf are left out as NaN is, and said in their own warning: the note counted them again as empty or NaN
  // ("1 infinite value … left out" then "2 empty or NaN values skipped" over one NaN and one +Inf).
  it('infinite values are counted in their warning only, not again as empty or NaN', () => inTempDir(async (dir) => {
    const input = join(dir, 'inf.csv');
    const swap = (at: Record<number, string>) => rows(600).map((l, i) => (at[i] !== undefined ? `${l.split(',')[0]},${at[i]}` : l));
    writeFileSync(input, ['timestamp,value', ...swap({ 50: 'NaN', 150: '+Inf', 250: '-Inf' })].join('\n') + '\n');
    const r = await mora(['forecast', '-i', input, '-H', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /mora: warning: .*inf\.csv: 2 infinite values \(\+Inf, -Inf\) left out as no sample, as NaN is\n/);
    assert.match(r.err, /mora: note: .*inf\.csv: 1 empty or NaN value skipped\n/);
    // Only infinities: no empty-or-NaN note at all.
    writeFileSync(input, ['timestamp,value', ...swap({ 150: '+Inf' })].join('\n') + '\n');
    const only = await mora(['forecast', '-i', input, '-H', '2']);
    assert.equal(only.code, 0, only.err);
    assert.match(only.err, /1 infinite value \(\+Inf, -Inf\) left out/);
    assert.doesNotMatch(only.err, /empty or NaN/);
    // An infinity in the trailing rows still moves the start, said without counting it as NaN.
    writeFileSync(input, ['timestamp,value', ...swap({ 598: 'NaN', 599: '+Inf' })].join('\n') + '\n');
    const tail = await mora(['forecast', '-i', input, '-H', '2']);
    assert.equal(tail.code, 0, tail.err);
    assert.match(tail.err, /inf\.csv: 1 empty or NaN value skipped; the last 2 rows have none, so the forecast starts after the last numeric sample/);
  }));
});
