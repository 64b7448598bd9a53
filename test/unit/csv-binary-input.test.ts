// `mora forecast -i <file>` on bytes that are not UTF-8 text: "UTF-16" only when a byte order mark or the zero byte of
// every other position says so; any other file with a zero byte (an executable, an image) is "not a text file".
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTimeseriesCsv } from '../../src/data/timeseries-csv';
import { rows } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const TEXT = ['timestamp,value', ...rows(20)].join('\r\n') + '\r\n';

/** What reading the file says. */
function says(path: string): string {
  try {
    readTimeseriesCsv(path);
    return 'read';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('timestamp,value CSV: binary files and UTF-16', () => {
  it('an executable is not a text file, not UTF-16', () => inTempDir(async (dir) => {
    // An ELF header (as /bin/ls starts) and a body of mixed bytes, zeros at odd and even positions.
    const elf = Buffer.alloc(4096);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0, 0x10, 0x6d]).copy(elf);
    for (let i = 64; i < elf.length; i++) elf[i] = (i * 37) % 7 === 0 ? 0 : (i * 91) % 251;
    const file = join(dir, 'ls');
    writeFileSync(file, elf);
    assert.match(says(file), /ls: the file is not a text file \(binary\); give a timestamp,value CSV$/);
    const r = await mora(['forecast', '-i', file, '-H', '1']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.err, /UTF-16/);
    // A PNG: no zero in its first bytes but plenty after.
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(64, 0)]);
    writeFileSync(join(dir, 'img.png'), png);
    assert.match(says(join(dir, 'img.png')), /is not a text file \(binary\)/);
  }));

  it('UTF-16 with a byte order mark, or without one (little- or big-endian), is still said to be UTF-16', () => inTempDir(async (dir) => {
    const le = Buffer.from(TEXT, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: Array<[string, Buffer]> = [
      ['le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
      ['be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['le.csv', le],
      ['be.csv', be],
      // A non-ASCII character (µ) among the ASCII: the zero pattern still holds for most pairs.
      ['le-mu.csv', Buffer.from(TEXT.replace('value', 'valueµ'), 'utf16le')],
    ];
    for (const [name, bytes] of cases) {
      writeFileSync(join(dir, name), bytes);
      assert.match(says(join(dir, name)), /is UTF-16 \(Excel's "Unicode Text"\), not UTF-8/, name);
    }
  }));
});
